import { describe, expect, it } from 'vitest';
import { DEVICE_METRIC_PARTIALS, DEVICE_METRICS, RollupAccumulator, storedRows } from './rows.js';
import { reading, T0 } from '../../../test/helpers/readings.js';

describe('device metric rows', () => {
  it('marks only the metrics whose change caused a whole store as triggers', () => {
    const r = reading(5, { a: 1, b: 2, c: 3 });
    const rows = storedRows({ reason: 'change', reading: r, metrics: undefined, triggers: ['b'] }, 7);
    expect(rows.map((row) => [row[2], row[8]])).toEqual([
      ['a', false],
      ['b', true],
      ['c', false],
    ]);
    expect(storedRows({ reason: 'snapshot', reading: r, metrics: undefined }, 7).every((row) => row[8] === false)).toBe(true);
  });

  it('writes one row per stored metric, with reason, labels and sequence', () => {
    const r = reading(5, { a: 1, b: 2 }, 'dev-9', { site: 'x' });
    expect(storedRows({ reason: 'change', reading: r, metrics: ['b'], triggers: ['b'] }, 42, 3)).toEqual([
      [T0 + 5000, 'dev-9', 'b', 2, 'change', { site: 'x' }, 42, 3, true],
    ]);
    expect(storedRows({ reason: 'first_contact', reading: r, metrics: undefined }, 1).map((row) => row[2])).toEqual(['a', 'b']);
    expect(DEVICE_METRICS.columns.at(-1)).toBe('trigger');
    expect(DEVICE_METRICS.columns.slice(0, 4)).toEqual(['ts', 'device_id', 'metric', 'value']);
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
    const rows = acc.partialRows();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      hour: T0 / 1000,
      device_id: 'dev-1',
      metric: 'v',
      samples: 3,
      min_value: 1,
      max_value: 9,
      sum_value: 15,
      last_ts: T0 + 30_000,
      last_value: 1,
    });
    expect(rows[1]).toMatchObject({ hour: T0 / 1000 + 3600, samples: 1, last_value: 7 });
    expect(rows[2]).toMatchObject({ device_id: 'other', samples: 1 });
    // Inserted as arrays in the table's column order.
    expect(acc.rows()[0]).toEqual(DEVICE_METRIC_PARTIALS.columns.map((c) => (rows[0] as unknown as Record<string, unknown>)[c]));
  });

  it('keeps every partial as its columns grow past their first size', () => {
    const acc = new RollupAccumulator();
    for (let round = 0; round < 2; round++) for (let d = 0; d < 1500; d++) acc.add(reading(round, { v: d, w: -d }, `dev-${d}`));
    const rows = acc.partialRows();
    expect(rows).toHaveLength(3000);
    expect(rows[2998]).toEqual({
      hour: T0 / 1000,
      device_id: 'dev-1499',
      metric: 'v',
      samples: 2,
      min_value: 1499,
      max_value: 1499,
      sum_value: 2998,
      last_ts: T0 + 1000,
      last_value: 1499,
    });
    expect(rows.reduce((sum, r) => sum + r.samples, 0)).toBe(6000);
  });

  it.each([3, 40])('finds %i metrics however a later reading orders them, and takes new ones', (n) => {
    const acc = new RollupAccumulator();
    const names = Array.from({ length: n }, (_, i) => `m${i}`);
    acc.add(reading(0, Object.fromEntries(names.map((m, i) => [m, i]))));
    acc.add(reading(1, Object.fromEntries([...names].reverse().map((m) => [m, 100]))));
    acc.add(reading(2, { new: 5, [names[1]!]: -1 }));
    acc.add(reading(3, Object.fromEntries(names.map((m) => [m, 1]))));
    const rows = acc.partialRows();
    expect(rows.map((r) => r.metric)).toEqual([...names, 'new']);
    expect(rows.map((r) => r.samples)).toEqual([...names.map((_, i) => (i === 1 ? 4 : 3)), 1]);
    expect(rows[1]).toMatchObject({ min_value: -1, max_value: 100, sum_value: 1 + 100 - 1 + 1, last_value: 1 });
  });

  it('buckets times before 1970 into the right hour', () => {
    const acc = new RollupAccumulator();
    acc.add({ deviceId: 'd', ts: -1, metrics: { v: 1 }, labels: {} });
    expect(acc.partialRows()[0]!.hour).toBe(-3600);
  });
});

describe('metric names that are also Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('rows and rollups carry %s as data', (name) => {
    const metrics = JSON.parse(`{"${name}": 3, "x": 1}`) as Record<string, number>;
    const r = reading(0, metrics);
    expect(storedRows({ reason: 'first_contact', reading: r, metrics: undefined }, 1).map((row) => [row[2], row[3]])).toEqual([
      [name, 3],
      ['x', 1],
    ]);
    const acc = new RollupAccumulator();
    acc.add(r);
    acc.add(reading(1, JSON.parse(`{"${name}": 5}`) as Record<string, number>));
    expect(acc.partialRows().map((p) => [p.metric, p.samples, p.sum_value])).toEqual([
      [name, 2, 8],
      ['x', 1, 1],
    ]);
  });
});
