import { describe, expect, it } from 'vitest';
import { DeviceStates } from './device-states.js';
import type { DeviceState } from './decide.js';
import { ReferenceValues } from './reference-values.js';

const state = (metrics: number, lastSeenAt: number): DeviceState => ({
  reference: ReferenceValues.from(
    Array.from({ length: metrics }, (_, i) => `m${i}`),
    Array.from({ length: metrics }, (_, i) => i),
  ),
  lastStoredTs: 0,
  lastWholeTs: 0,
  previous: undefined,
  lastSeenAt,
});

describe('device states', () => {
  it.each([
    // [cap, devices as [id, metrics] in the order touched, devices left]
    [
      10,
      [
        ['a', 4],
        ['b', 4],
        ['c', 4],
      ],
      ['b', 'c'],
    ],
    [
      10,
      [
        ['a', 4],
        ['b', 4],
        ['a', 4],
        ['c', 4],
      ],
      ['a', 'c'],
    ],
    [
      10,
      [
        ['a', 2],
        ['b', 2],
        ['c', 2],
        ['d', 9],
      ],
      ['d'],
    ],
    [10, [['a', 11]], ['a']],
    [
      12,
      [
        ['a', 4],
        ['b', 4],
        ['c', 4],
      ],
      ['a', 'b', 'c'],
    ],
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

  it('keeps the recency order through re-touches, evictions and sweeps, as a Map in insertion order would', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const cap = 70;
    const states = new DeviceStates(1_000, cap);
    // The model: insertion order is recency (delete + set), the oldest first.
    const model = new Map<string, { metrics: number; seen: number }>();
    let now = 0;
    let nextSweepAt = 0;
    let swept = 0;
    for (let step = 0; step < 5_000; step++) {
      now += Math.floor(random() * 100);
      const id = `d${Math.floor(random() * 30)}`;
      const metrics = 1 + Math.floor(random() * 5);
      if (random() < 0.05) {
        swept += states.evictIdle(now);
        // A sweep runs at most every idleMs / 4.
        if (now >= nextSweepAt) {
          nextSweepAt = now + 250;
          for (const [key, v] of model) if (now - v.seen >= 1_000) model.delete(key);
        }
      }
      const known = model.get(id);
      if (known && now - known.seen >= 1_000) model.delete(id);
      const before = states.get(id, now)?.reference.size ?? 0;
      states.touch(id, state(metrics, now), before);
      model.delete(id);
      model.set(id, { metrics, seen: now });
      let held = [...model.values()].reduce((n, v) => n + v.metrics, 0);
      for (const [key, v] of model) {
        if (held <= cap || key === id) break;
        model.delete(key);
        held -= v.metrics;
      }
      expect(states.size).toBe(model.size);
      expect(states.trackedMetrics).toBe(held);
    }
    for (const [id, v] of model) expect(states.get(id, now) !== undefined).toBe(now - v.seen < 1_000);
    expect(swept).toBeGreaterThan(0);
  });
});
