import { describe, expect, it } from 'vitest';
import { RollupAccumulator, storedRows } from './rows.js';
import { reading, T0 } from '../../../test/helpers/readings.js';

describe('device metric rows', () => {
  it('writes one row per stored metric, with reason, labels and sequence', () => {
    const r = reading(5, { a: 1, b: 2 }, 'dev-9', { site: 'x' });
    expect(storedRows({ reason: 'change', reading: r, metrics: ['b'] }, 42)).toEqual([
      { ts: T0 + 5000, device_id: 'dev-9', metric: 'b', value: 2, reason: 'change', labels: { site: 'x' }, stream_seq: 42 },
    ]);
    expect(storedRows({ reason: 'first_contact', reading: r, metrics: undefined }, 1).map((row) => row.metric)).toEqual(['a', 'b']);
  });
});

describe('rollup accumulator', () => {
  it('aggregates every value per hour, device and metric, last by event time', () => {
    const acc = new RollupAccumulator();
    acc.add(reading(10, { v: 5 }));
    acc.add(reading(30, { v: 1 }));
    acc.add(reading(20, { v: 9 })); // out of order: not the last
    acc.add(reading(3600, { v: 7 })); // next hour
    acc.add(reading(15, { v: 2 }, 'other'));
    const rows = acc.rows();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      hour: T0 / 1000, device_id: 'dev-1', metric: 'v', samples: 3,
      min_value: 1, max_value: 9, sum_value: 15, last_ts: T0 + 30_000, last_value: 1,
    });
    expect(rows[1]).toMatchObject({ hour: T0 / 1000 + 3600, samples: 1, last_value: 7 });
    expect(rows[2]).toMatchObject({ device_id: 'other', samples: 1 });
  });

  it('buckets times before 1970 into the right hour', () => {
    const acc = new RollupAccumulator();
    acc.add({ deviceId: 'd', ts: -1, metrics: { v: 1 }, labels: {} });
    expect(acc.rows()[0]!.hour).toBe(-3600);
  });
});
