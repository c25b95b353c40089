import { jetstream } from '@nats-io/jetstream';
import type { SiftConfig } from '../config/load.js';
import { Fleet } from './fleet.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { layoutOf, provision } from '../sources/jetstream/provision.js';
import { publishSubject } from '../sources/jetstream/subjects.js';
import { sleep } from '../util/timing.js';
import { kindNamed } from '../kinds/registry.js';
import type { KindSimulator, SimulatedEvent } from '../kinds/kind.js';

export interface SimulateOptions {
  devices: number;
  count: number;
  rate: number;
  seed: number;
  intervalS: number;
  startMs: number | undefined;
  /** Publishes awaiting their JetStream ack at once (default 512). */
  window?: number;
  /** Kinds to publish, interleaved (default: metrics only). */
  kinds?: string[];
}

/** Progress as the simulator publishes: called every few hundred messages and once at the end. */
export type SimulateProgress = (published: number, total: number) => void;

/** Publishes the fleet with a bounded window of unacknowledged publishes; returns how many landed. */
export async function simulate(
  config: SiftConfig,
  options: SimulateOptions,
  progress: SimulateProgress = () => undefined,
): Promise<number> {
  const nc = await connectNats(config.nats, 'sift-simulate');
  try {
    await provision(nc, config.nats);
    const js = jetstream(nc);
    const rounds = Math.ceil(options.count / options.devices);
    const startMs = options.startMs ?? Date.now() - (rounds - 1) * options.intervalS * 1000;
    const fleet = new Fleet({ devices: options.devices, seed: options.seed, intervalS: options.intervalS, startMs });
    const sources = eventSources(options, fleet);
    const layout = layoutOf(config.nats);
    const window = options.window ?? 512;
    const inFlight = new Set<Promise<unknown>>();
    const started = performance.now();
    let published = 0;
    for (let i = 0; i < options.count; i++) {
      const source = sources[i % sources.length]!;
      const { key, body } = source.next();
      const ack = js.publish(publishSubject(layout, source.kind, key), JSON.stringify(body)).then(() => published++);
      inFlight.add(ack);
      void ack.finally(() => inFlight.delete(ack));
      if (inFlight.size >= window) await Promise.race(inFlight);
      if (options.rate > 0) {
        const ahead = (i + 1) / options.rate - (performance.now() - started) / 1000;
        if (ahead > 0.005) await sleep(ahead * 1000);
      }
      if ((i + 1) % 500 === 0) progress(published, options.count);
    }
    await Promise.all(inFlight);
    progress(published, options.count);
    return published;
  } finally {
    await nc.close();
  }
}

/** The kinds' event sources, interleaved round-robin: the device fleet for metrics, each other kind's simulator. */
export function eventSources(options: SimulateOptions, fleet: Fleet): Array<{ kind: string; next(): SimulatedEvent }> {
  const kinds = options.kinds ?? ['metrics'];
  const eventsPerKind = Math.ceil(options.count / kinds.length);
  return kinds.map((kind, i) => {
    if (kind === 'metrics') {
      return {
        kind,
        next: () => {
          const r = fleet.nextReading();
          return { key: r.deviceId, body: r.body as Record<string, unknown> };
        },
      };
    }
    const make = kindNamed(kind)?.simulator;
    if (!make) throw new Error(`kind "${kind}" has no simulator`);
    const simulatorFrom = (startMs: number) => make({ seed: options.seed + i, startMs, keys: Math.max(1, Math.min(options.devices, 50)) });
    // Other kinds' events move forward in their own steps: they start two hours back, or further
    // when that many steps would pass the accepted window into the future (a job a second for
    // 125,000 jobs is 35 hours), so that the last of them is about now.
    const startMs = options.startMs ?? Date.now() - Math.max(2 * 3_600_000, spanOf(simulatorFrom(0), eventsPerKind));
    const simulator = simulatorFrom(startMs);
    return { kind, next: () => simulator.next() };
  });
}

/** Milliseconds of event time from the first to the last of `events` events of a simulator started at 0. */
function spanOf(simulator: KindSimulator, events: number): number {
  let last = 0;
  for (let n = 0; n < events; n++) last = eventTimeOf(simulator.next());
  return last;
}

/** A simulated event's `ts`: epoch milliseconds or an RFC 3339 string, as the simulators write it. */
export const eventTimeOf = ({ body }: SimulatedEvent): number => (typeof body.ts === 'number' ? body.ts : Date.parse(String(body.ts)));
