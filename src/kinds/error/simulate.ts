import type { KindSimulator, SimulatedEvent, SimulatorOptions } from '../kind.js';
import { seededRandom } from '../../simulate/fleet.js';

const SOURCES = ['checkout-api', 'auth-service', 'web-frontend', 'billing-worker', 'gateway'];
/** Errors that occur now and then: [category, severity, code, message template]. */
const SPORADIC: Array<[string, string, string | undefined, (n: number) => string]> = [
  ['validation', 'warning', 'E_INVALID', (n) => `field amount must be positive, got -${n}`],
  ['external_service', 'error', 'E_UPSTREAM', (n) => `payment provider answered 502 after ${n} ms`],
  ['frontend', 'error', undefined, (n) => `TypeError: cannot read properties of undefined (reading 'items') at line ${n}`],
  ['api', 'info', 'E_RATE', (n) => `client ${n} throttled`],
];

/**
 * Errors from a few services: a sporadic mix, and now and then a storm (one database error
 * repeated every few hundred ms for a minute, with varying row ids) that storm suppression folds.
 */
export function errorSimulator(options: SimulatorOptions): KindSimulator {
  const random = seededRandom(options.seed);
  const sources = SOURCES.slice(0, Math.max(1, Math.min(SOURCES.length, options.keys)));
  let ts = options.startMs;
  let storm = 0;
  let stormSource = sources[0]!;
  return {
    next(): SimulatedEvent {
      if (storm === 0 && random() < 0.01) {
        storm = 100 + Math.floor(random() * 200);
        stormSource = sources[Math.floor(random() * sources.length)]!;
      }
      if (storm > 0) {
        storm--;
        ts += 50 + Math.floor(random() * 400);
        const row = Math.floor(random() * 1_000_000);
        return {
          key: stormSource,
          body: {
            ts,
            category: 'database',
            severity: 'critical',
            code: 'ER_LOCK_DEADLOCK',
            message: `Deadlock found when trying to get lock on row ${row}`,
            context: { table: 'orders', attempt: 1 + (row % 3) },
          },
        };
      }
      ts += 500 + Math.floor(random() * 5000);
      const [category, severity, code, message] = SPORADIC[Math.floor(random() * SPORADIC.length)]!;
      const body: Record<string, unknown> = { ts, category, severity, message: message(Math.floor(random() * 10_000)) };
      if (code) body.code = code;
      if (category === 'frontend') body.stack = 'TypeError: cannot read properties of undefined\n    at Cart.render (cart.js:120:14)';
      return { key: sources[Math.floor(random() * sources.length)]!, body };
    },
  };
}
