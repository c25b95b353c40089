import type { KindSimulator, SimulatedEvent, SimulatorOptions } from '../kind.js';
import { seededRandom } from '../../simulate/fleet.js';

const STATES = ['online', 'idle', 'charging', 'maintenance', 'fault', 'offline'];
const OPERATORS = ['scheduler', 'operator:ana', 'operator:ben', 'device'];

/** Devices that report their state every 30 s of event time and change it now and then (a fault is followed by maintenance). */
export function stateSimulator(options: SimulatorOptions): KindSimulator {
  const random = seededRandom(options.seed);
  const states = Array.from({ length: options.keys }, (_, i) => STATES[i % 3]!);
  let n = 0;
  return {
    next(): SimulatedEvent {
      const device = n % options.keys;
      const ts = options.startMs + Math.floor(n / options.keys) * 30_000;
      n++;
      const current = states[device]!;
      const body: Record<string, unknown> = { ts: new Date(ts).toISOString(), state: current };
      if (random() < 0.08) {
        const next = current === 'fault' ? 'maintenance' : STATES[Math.floor(random() * STATES.length)]!;
        if (next !== current) {
          states[device] = next;
          Object.assign(body, { state: next, previous_state: current, changed_by: OPERATORS[Math.floor(random() * OPERATORS.length)] });
          if (next === 'fault') Object.assign(body, { reason: 'overtemperature', metadata: { temp_c: Math.round(70 + random() * 20) } });
        }
      }
      return { key: `dev-${String(device).padStart(4, '0')}`, body };
    },
  };
}
