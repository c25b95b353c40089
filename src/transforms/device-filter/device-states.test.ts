import { describe, expect, it } from 'vitest';
import { DeviceStates } from './device-states.js';
import type { DeviceState } from './decide.js';
import { ReferenceValues } from './reference-values.js';

const state = (metrics: number, lastSeenAt: number): DeviceState => ({
  reference: ReferenceValues.from(Array.from({ length: metrics }, (_, i) => `m${i}`), Array.from({ length: metrics }, (_, i) => i)),
  lastStoredTs: 0,
  lastWholeTs: 0,
  previous: undefined,
  lastSeenAt,
});

describe('device states', () => {
  it.each([
    // [cap, devices as [id, metrics] in the order touched, devices left]
    [10, [['a', 4], ['b', 4], ['c', 4]], ['b', 'c']],
    [10, [['a', 4], ['b', 4], ['a', 4], ['c', 4]], ['a', 'c']],
    [10, [['a', 2], ['b', 2], ['c', 2], ['d', 9]], ['d']],
    [10, [['a', 11]], ['a']],
    [12, [['a', 4], ['b', 4], ['c', 4]], ['a', 'b', 'c']],
  ] as Array<[number, Array<[string, number]>, string[]]>)('cap %i keeps the most recently seen', (cap, touches, left) => {
    const states = new DeviceStates(60_000, cap);
    for (const [id, metrics] of touches) {
      const before = states.get(id, 0)?.reference.size ?? 0;
      states.touch(id, state(metrics, 0), before);
    }
    expect(left.filter((id) => states.get(id, 0) !== undefined)).toEqual(left);
    expect(states.size).toBe(left.length);
    expect(states.trackedMetrics).toBe(left.reduce((n, id) => n + states.get(id, 0)!.reference.size, 0));
  });

  it('sweeps idle devices from the least recently seen and stops at the first kept', () => {
    const evicted: string[] = [];
    const states = new DeviceStates(1_000, Number.POSITIVE_INFINITY, (cause, n) => evicted.push(`${cause}:${n}`));
    states.touch('old', state(1, 0), 0);
    states.touch('mid', state(2, 500), 0);
    states.touch('new', state(3, 900), 0);
    expect(states.evictIdle(1_600)).toBe(2);
    expect(evicted).toEqual(['idle:2']);
    expect(states.size).toBe(1);
    expect(states.trackedMetrics).toBe(3);
    states.clear();
    expect(states.trackedMetrics).toBe(0);
  });
});
