import { describe, expect, it } from 'vitest';
import { DeviceFilter, filterSettings } from './device-filter.js';
import type { FilterConfig } from './config.js';
import { reading, T0 } from '../../../test/helpers/readings.js';
import type { DeviceReading } from '../../contract/device-reading.js';

const defaults: FilterConfig = {
  snapshotIntervalS: 300,
  changeThreshold: 0.05,
  zeroFloor: 1,
  store: 'whole',
  restoreState: false,
  storePrevious: false,
  idleEvictS: 3600,
  maxTracked: 1_000_000,
  overrides: [],
};

/** Feeds readings through one filter; returns, per reading, "reason:metric,metric" or "-" when dropped. */
function run(readings: DeviceReading[], config: Partial<FilterConfig> = {}, wallClock = () => T0): string[] {
  const filter = new DeviceFilter(filterSettings({ ...defaults, ...config }), wallClock);
  return readings.map((r) => {
    const stores = filter.process(r);
    if (stores.length === 0) return '-';
    return stores
      .map(
        (s) =>
          `${s.reason}${s.reading === r ? '' : '@' + (s.reading.ts - T0) / 1000}:${(s.metrics ?? Object.keys(s.reading.metrics)).join(',')}`,
      )
      .join(' ');
  });
}

describe('smart filter: relative change against the last stored value', () => {
  const cases: Array<[string, number[], string[]]> = [
    ['exactly 5% up is a change', [100, 105], ['first_contact:v', 'change:v']],
    ['exactly 5% down is a change', [100, 95], ['first_contact:v', 'change:v']],
    ['just under 5% is not', [100, 104.99], ['first_contact:v', '-']],
    ['5% of a small decimal (binary rounding) is a change', [0.01, 0.0105], ['first_contact:v', 'change:v']],
    ['1.05 over 1 is a change', [1, 1.05], ['first_contact:v', 'change:v']],
    ['negative values compare by magnitude', [-100, -95, -94], ['first_contact:v', 'change:v', '-']],
    ['sign flip is a change', [-1, 1], ['first_contact:v', 'change:v']],
    ['identical values are not', [42, 42, 42], ['first_contact:v', '-', '-']],
    // Slow drift: each step is 2% of the previous value, but the third step is ≥5% of the last stored.
    [
      'slow drift is caught against the last stored, not the last seen',
      [100, 102, 104, 106, 108],
      ['first_contact:v', '-', '-', 'change:v', '-'],
    ],
    ['after a change the new value is the reference', [100, 110, 114, 116], ['first_contact:v', 'change:v', '-', 'change:v']],
  ];
  it.each(cases)('%s', (_name, values, expected) => {
    expect(run(values.map((v, i) => reading(i, { v })))).toEqual(expected);
  });
});

describe('smart filter: zero as the last stored value', () => {
  const cases: Array<[string, number[], string[]]> = [
    ['0 → 1 is not a change (|new| must exceed the floor of 1)', [0, 1], ['first_contact:v', '-']],
    ['0 → 1.5 is a change', [0, 1.5], ['first_contact:v', 'change:v']],
    ['0 → -2 is a change', [0, -2], ['first_contact:v', 'change:v']],
    ['0 → 0 is not', [0, 0], ['first_contact:v', '-']],
    ['x → 0 is a 100% change', [10, 0], ['first_contact:v', 'change:v']],
  ];
  it.each(cases)('%s', (_name, values, expected) => {
    expect(run(values.map((v, i) => reading(i, { v })))).toEqual(expected);
  });

  it('honours a configured zero floor', () => {
    expect(run([reading(0, { v: 0 }), reading(1, { v: 0.3 }), reading(2, { v: 0.6 })], { zeroFloor: 0.5 })).toEqual([
      'first_contact:v',
      '-',
      'change:v',
    ]);
  });
});

describe('smart filter: metrics appearing and disappearing', () => {
  it('a new metric is a change and the whole message is stored', () => {
    expect(run([reading(0, { a: 1 }), reading(1, { a: 1, b: 7 })])).toEqual(['first_contact:a', 'change:a,b']);
  });

  it('a vanished metric is a change, once', () => {
    expect(run([reading(0, { a: 1, b: 2 }), reading(1, { a: 1 }), reading(2, { a: 1 })])).toEqual(['first_contact:a,b', 'change:a', '-']);
  });

  it('in "changed" mode a vanished metric writes nothing and is forgotten', () => {
    expect(run([reading(0, { a: 1, b: 2 }), reading(1, { a: 1 }), reading(2, { a: 1, b: 2 })], { store: 'changed' })).toEqual([
      'first_contact:a,b',
      '-',
      'change:b',
    ]);
  });
});

describe('smart filter: snapshots by event time', () => {
  it('stores a snapshot when exactly the interval has passed, not a millisecond before', () => {
    const readings = [reading(0, { v: 1 }), { ...reading(0, { v: 1 }), ts: T0 + 299_999 }, reading(300, { v: 1 })];
    expect(run(readings)).toEqual(['first_contact:v', '-', 'snapshot:v']);
  });

  it('measures the interval from the last stored message, so a change restarts it', () => {
    expect(run([reading(0, { v: 100 }), reading(200, { v: 200 }), reading(400, { v: 200 }), reading(500, { v: 200 })])).toEqual([
      'first_contact:v',
      'change:v',
      '-',
      'snapshot:v',
    ]);
  });

  it('ignores the wall clock: a replay of old data filters the same', () => {
    let wall = T0 + 10 * 86_400_000;
    const readings = [reading(0, { v: 1 }), reading(100, { v: 1 }), reading(301, { v: 1 })];
    expect(run(readings, {}, () => (wall += 1))).toEqual(['first_contact:v', '-', 'snapshot:v']);
  });

  it('in "changed" mode only whole stores restart the snapshot clock', () => {
    const readings = [reading(0, { a: 1, b: 1 }), reading(100, { a: 2, b: 1 }), reading(300, { a: 2, b: 1 })];
    expect(run(readings, { store: 'changed' })).toEqual(['first_contact:a,b', 'change:a', 'snapshot:a,b']);
  });
});

describe('smart filter: late readings (event time before the newest stored)', () => {
  it('are judged on change only and never become the reference', () => {
    const readings = [reading(100, { v: 100 }), reading(50, { v: 200 }), reading(101, { v: 101 }), reading(60, { v: 100 })];
    expect(run(readings)).toEqual(['first_contact:v', 'change:v', '-', '-']);
  });

  it('never count as a snapshot, however old the stored one is', () => {
    expect(run([reading(1000, { v: 1 }), reading(0, { v: 1 })])).toEqual(['first_contact:v', '-']);
  });
});

describe('smart filter: per-metric overrides', () => {
  const overrides = [
    { match: 'error_rate', absolute: 0.01 },
    { match: 'temp_*', relative: 0.2 },
  ];
  const cases: Array<[string, Record<string, number>[], string[]]> = [
    [
      'absolute rule: 0.011 difference is a change',
      [{ error_rate: 0.1 }, { error_rate: 0.111 }],
      ['first_contact:error_rate', 'change:error_rate'],
    ],
    [
      'absolute rule: 0.01 exactly is not (strictly greater)',
      [{ error_rate: 0.5 }, { error_rate: 0.5 + 0.01 }],
      ['first_contact:error_rate', '-'],
    ],
    ['absolute rule applies from zero too', [{ error_rate: 0 }, { error_rate: 0.02 }], ['first_contact:error_rate', 'change:error_rate']],
    [
      'glob: temp_cpu needs 20%',
      [{ temp_cpu: 50 }, { temp_cpu: 59 }, { temp_cpu: 60 }],
      ['first_contact:temp_cpu', '-', 'change:temp_cpu'],
    ],
    ['glob does not match other names', [{ cpu_temp: 50 }, { cpu_temp: 53 }], ['first_contact:cpu_temp', 'change:cpu_temp']],
  ];
  it.each(cases)('%s', (_name, metrics, expected) => {
    expect(
      run(
        metrics.map((m, i) => reading(i, m)),
        { overrides },
      ),
    ).toEqual(expected);
  });

  it('first matching override wins', () => {
    const first = [
      { match: 'temp_*', relative: 0.5 },
      { match: 'temp_cpu', relative: 0.01 },
    ];
    expect(run([reading(0, { temp_cpu: 10 }), reading(1, { temp_cpu: 11 })], { overrides: first })).toEqual([
      'first_contact:temp_cpu',
      '-',
    ]);
  });
});

describe('smart filter: what a store writes', () => {
  it('"whole" writes every metric of the triggering message', () => {
    expect(run([reading(0, { a: 1, b: 1, c: 1 }), reading(1, { a: 2, b: 1, c: 1 })])).toEqual(['first_contact:a,b,c', 'change:a,b,c']);
  });

  it('"changed" writes only the metrics that triggered', () => {
    expect(run([reading(0, { a: 1, b: 1, c: 1 }), reading(1, { a: 2, b: 1, c: 5 })], { store: 'changed' })).toEqual([
      'first_contact:a,b,c',
      'change:a,c',
    ]);
  });

  it('"changed" keeps the unstored metrics\' old reference', () => {
    // b drifts 3% at a time; the reference for b stays 100 while a changes, so b fires at 106.
    const readings = [reading(0, { a: 1, b: 100 }), reading(1, { a: 2, b: 103 }), reading(2, { a: 2, b: 106 })];
    expect(run(readings, { store: 'changed' })).toEqual(['first_contact:a,b', 'change:a', 'change:b']);
  });
});

describe('smart filter: storePrevious', () => {
  it('stores the last unstored reading before a change, so a step reads as a step', () => {
    const readings = [reading(0, { v: 10 }), reading(1, { v: 10 }), reading(2, { v: 10.1 }), reading(3, { v: 20 })];
    expect(run(readings, { storePrevious: true })).toEqual(['first_contact:v', '-', '-', 'previous@2:v change:v']);
  });

  it('does not repeat a previous that was already stored', () => {
    const readings = [reading(0, { v: 10 }), reading(1, { v: 20 }), reading(2, { v: 40 })];
    expect(run(readings, { storePrevious: true })).toEqual(['first_contact:v', 'change:v', 'change:v']);
  });

  it('is off by default', () => {
    expect(run([reading(0, { v: 10 }), reading(1, { v: 10 }), reading(2, { v: 20 })])).toEqual(['first_contact:v', '-', 'change:v']);
  });
});

describe('smart filter: devices and memory', () => {
  it('keeps devices apart', () => {
    const readings = [reading(0, { v: 1 }, 'a'), reading(0, { v: 1 }, 'b'), reading(1, { v: 2 }, 'a'), reading(1, { v: 1 }, 'b')];
    expect(run(readings)).toEqual(['first_contact:v', 'first_contact:v', 'change:v', '-']);
  });

  it('evicts idle devices; their next message is a first contact', () => {
    let wall = T0;
    const filter = new DeviceFilter(filterSettings({ ...defaults, idleEvictS: 60 }), () => wall);
    filter.process(reading(0, { v: 1 }, 'quiet'));
    filter.process(reading(0, { v: 1 }, 'busy'));
    wall += 59_000;
    filter.process(reading(59, { v: 1 }, 'busy'));
    wall += 2_000;
    expect(filter.process(reading(61, { v: 1 }, 'busy'))).toEqual([]);
    expect(filter.process(reading(61, { v: 1 }, 'quiet')).map((s) => s.reason)).toEqual(['first_contact']);
  });

  it('sweeps idle devices out of memory', () => {
    let wall = T0;
    const filter = new DeviceFilter(filterSettings({ ...defaults, idleEvictS: 60 }), () => wall);
    for (let i = 0; i < 100; i++) filter.process(reading(0, { v: 1 }, `d${i}`));
    wall += 30_000;
    filter.process(reading(30, { v: 1 }, 'd0'));
    expect(filter.states.size).toBe(100);
    wall += 60_000;
    filter.process(reading(90, { v: 1 }, 'd0'));
    expect(filter.states.size).toBe(1);
  });
});

describe('smart filter: a cap on tracked device-metrics', () => {
  const manyMetrics = (n: number, value = 1) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, value]));

  it('counts device-metrics, not devices, and forgets the least recently seen first', () => {
    const evictions: string[] = [];
    const filter = new DeviceFilter(
      filterSettings({ ...defaults, maxTracked: 10 }, { onEvict: (cause, n) => evictions.push(`${cause}:${n}`) }),
      () => T0,
    );
    filter.process(reading(0, manyMetrics(4), 'a'));
    filter.process(reading(0, manyMetrics(4), 'b'));
    filter.process(reading(1, manyMetrics(4), 'a')); // a is now more recent than b
    expect(filter.states.trackedMetrics).toBe(8);
    filter.process(reading(2, manyMetrics(4), 'c')); // 12 > 10: b goes
    expect(evictions).toEqual(['cap:1']);
    expect(filter.states.size).toBe(2);
    expect(filter.states.trackedMetrics).toBe(8);
    expect(filter.process(reading(3, manyMetrics(4), 'a'))).toEqual([]);
    expect(filter.process(reading(3, manyMetrics(4), 'b')).map((s) => s.reason)).toEqual(['first_contact']);
  });

  it('follows metrics appearing and disappearing', () => {
    const filter = new DeviceFilter(filterSettings(defaults), () => T0);
    filter.process(reading(0, { a: 1, b: 1 }));
    filter.process(reading(1, { a: 1, b: 1, c: 1 }));
    expect(filter.states.trackedMetrics).toBe(3);
    filter.process(reading(2, { a: 1 }));
    expect(filter.states.trackedMetrics).toBe(1);
  });

  it('keeps a device alone over the cap while it is judged', () => {
    const filter = new DeviceFilter(filterSettings({ ...defaults, maxTracked: 5 }), () => T0);
    filter.process(reading(0, manyMetrics(8), 'big'));
    expect(filter.process(reading(1, manyMetrics(8), 'big'))).toEqual([]);
    filter.process(reading(1, { v: 1 }, 'small')); // over the cap: the big one, least recent, goes
    expect(filter.states.size).toBe(1);
    expect(filter.states.trackedMetrics).toBe(1);
  });

  it('splits the cap over the partitions', () => {
    expect(filterSettings({ ...defaults, maxTracked: 1_000 }, { partitions: 16 }).maxTracked).toBe(63);
  });

  it('counts idle evictions and keeps the tally right', () => {
    let wall = T0;
    const evictions: string[] = [];
    const filter = new DeviceFilter(
      filterSettings({ ...defaults, idleEvictS: 60 }, { onEvict: (cause, n) => evictions.push(`${cause}:${n}`) }),
      () => wall,
    );
    for (let i = 0; i < 5; i++) filter.process(reading(0, { a: 1, b: 2 }, `d${i}`));
    wall += 61_000;
    expect(filter.process(reading(61, { a: 1 }, 'd0')).map((s) => s.reason)).toEqual(['first_contact']); // the sweep took all five first
    expect(evictions).toEqual(['idle:5']);
    expect(filter.states.size).toBe(1);
    expect(filter.states.trackedMetrics).toBe(1);
  });
});

describe('smart filter: metric names that are also Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('sees %s disappear and come back', (name) => {
    const withIt = JSON.parse(`{"${name}": 1, "x": 1}`) as Record<string, number>;
    const without = { x: 1 };
    const readings = [reading(0, withIt), reading(1, without), reading(2, without), reading(3, withIt)];
    expect(run(readings)).toEqual([`first_contact:${name},x`, 'change:x', '-', `change:${name},x`]);
  });

  it.each(['constructor', 'toString', '__proto__'])('judges a change of %s like any other metric', (name) => {
    const at = (v: number) => JSON.parse(`{"${name}": ${v}}`) as Record<string, number>;
    expect(run([reading(0, at(100)), reading(1, at(101)), reading(2, at(110))], { store: 'changed', storePrevious: true })).toEqual([
      `first_contact:${name}`,
      '-',
      `previous@1:${name} change:${name}`,
    ]);
  });
});
