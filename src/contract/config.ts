import type { EventTimeWindow } from './event-time.js';

/** The message contract's tunable rules, registered in src/config/schema.ts as `eventTime`. */
export const eventTimeConfig = {
  maxPastS: {
    doc: 'Dead-letter a message (ts_out_of_range) whose event time is more than this many seconds before its arrival. 0: RETENTION_DAYS. At most RETENTION_DAYS, or its rows would vanish at the next merge.',
    format: 'non-negative-int',
    default: 0,
    env: 'EVENT_TIME_MAX_PAST_S',
  },
  maxFutureS: {
    doc: 'Dead-letter a message (ts_out_of_range) whose event time is more than this many seconds after its arrival.',
    format: 'positive-int',
    default: 86_400,
    env: 'EVENT_TIME_MAX_FUTURE_S',
  },
};

export function eventTimeWindow(config: { maxPastS: number; maxFutureS: number }): EventTimeWindow {
  return { maxPastMs: config.maxPastS * 1000, maxFutureMs: config.maxFutureS * 1000 };
}
