import type { KindSimulator, SimulatedEvent, SimulatorOptions } from '../kind.js';
import { seededRandom } from '../../simulate/fleet.js';

/** Features and their events, the first ones used far more than the last (a long tail). */
const FEATURES: Array<[feature: string, events: string[]]> = [
  ['dashboard', ['dashboard_viewed', 'widget_added']],
  ['search', ['search_run', 'filter_applied']],
  ['export', ['export_started', 'export_downloaded']],
  ['sharing', ['link_shared']],
  ['billing', ['plan_upgraded']],
];

/** Usage of a few apps by a pool of users, one event every 2 s of event time, popular features first. */
export function usageSimulator(options: SimulatorOptions): KindSimulator {
  const random = seededRandom(options.seed);
  let n = 0;
  return {
    next(): SimulatedEvent {
      const app = `app-${n % options.keys}`;
      const ts = options.startMs + n * 2000;
      n++;
      const [feature, events] = FEATURES[Math.min(FEATURES.length - 1, Math.floor(-Math.log(1 - random()) * 1.2))]!;
      const event = events[Math.floor(random() * events.length)]!;
      const body: Record<string, unknown> = {
        ts: new Date(ts).toISOString(),
        event,
        feature,
        user_id: `user-${Math.floor(random() * 200)}`,
      };
      if (event === 'export_started') body.properties = { format: random() < 0.7 ? 'csv' : 'xlsx', rows: Math.floor(random() * 10_000) };
      return { key: app, body };
    },
  };
}
