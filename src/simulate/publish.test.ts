import { describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';
import { eventSources, eventTimeOf } from './publish.js';

const HOUR = 3_600_000;

describe('simulated kinds', () => {
  const kinds = ['metrics', 'state', 'api', 'job', 'error', 'activity', 'usage', 'heartbeat'];
  const sources = (count: number) => {
    const options = { devices: 1_000, count, rate: 0, seed: 1, intervalS: 10, startMs: undefined, kinds };
    return eventSources(options, new Fleet({ devices: 1_000, seed: 1, intervalS: 10, startMs: Date.now() - HOUR }));
  };

  it('end about now however many events each kind brings, so none passes the accepted window into the future', () => {
    // 125,000 events a kind: a job a second alone spans 35 hours, past the default day ahead.
    const perKind = 125_000;
    for (const source of sources(perKind * kinds.length)) {
      let first = Number.NaN;
      let last = Number.NaN;
      for (let n = 0; n < perKind; n++) {
        last = eventTimeOf(source.next());
        if (n === 0) first = last;
      }
      expect(last, source.kind).toBeLessThanOrEqual(Date.now() + 60_000);
      expect(last, source.kind).toBeGreaterThan(Date.now() - 2 * HOUR);
      expect(first, source.kind).toBeLessThan(last);
    }
  });

  it('start two hours back when few events fit in that', () => {
    for (const source of sources(80).filter((s) => s.kind !== 'metrics')) {
      expect(Math.abs(eventTimeOf(source.next()) - (Date.now() - 2 * HOUR)), source.kind).toBeLessThan(60_000);
    }
  });
});
