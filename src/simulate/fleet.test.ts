import { describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';

const options = { devices: 3, seed: 7, intervalS: 10, startMs: Date.parse('2026-01-01T00:00:00Z') };

describe('simulated fleet', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const take = (seed: number) => {
      const fleet = new Fleet({ ...options, seed });
      return Array.from({ length: 30 }, () => fleet.nextReading());
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
  });

  it('goes round-robin over devices, advancing event time by the interval each round', () => {
    const fleet = new Fleet(options);
    const readings = Array.from({ length: 6 }, () => fleet.nextReading());
    expect(readings.map((r) => r.deviceId)).toEqual(['dev-00000', 'dev-00001', 'dev-00002', 'dev-00000', 'dev-00001', 'dev-00002']);
    expect(readings[3]!.body.ts).toBe('2026-01-01T00:00:10.000Z');
  });

  it('keeps counters monotonic and error rates within [0, 1]', () => {
    const fleet = new Fleet({ ...options, devices: 1 });
    let last = -1;
    for (let i = 0; i < 2000; i++) {
      const { metrics } = fleet.nextReading().body;
      expect(metrics.bytes_total).toBeGreaterThan(last);
      last = metrics.bytes_total!;
      expect(metrics.error_rate).toBeGreaterThanOrEqual(0);
      expect(metrics.error_rate).toBeLessThanOrEqual(1);
    }
  });
});
