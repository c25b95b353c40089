import { describe, expect, it } from 'vitest';
import { decideState, type LastStored } from './decide.js';
import { LastStates } from './last-states.js';
import { StateFilter } from './state-filter.js';

const SETTINGS = { snapshotIntervalMs: 300_000 };
const last = (state: string, ts: number): LastStored => ({ state, ts, lastSeenAt: 0 });

describe('decideState', () => {
  it.each([
    ['first contact', undefined, { ts: 0, state: 'on' }, 'first_contact'],
    ['the same state soon after', last('on', 0), { ts: 299_999, state: 'on' }, undefined],
    ['the same state a snapshot interval later', last('on', 0), { ts: 300_000, state: 'on' }, 'snapshot'],
    ['another state', last('on', 0), { ts: 1, state: 'off' }, 'change'],
    ['another state when a snapshot is due too', last('on', 0), { ts: 900_000, state: 'off' }, 'change'],
    ['a late event of another state', last('on', 1000), { ts: 10, state: 'off' }, 'change'],
    ['a late event of the same state, long before', last('on', 900_000), { ts: 0, state: 'on' }, undefined],
    ['a state differing only in case', last('on', 0), { ts: 1, state: 'ON' }, 'change'],
  ] as const)('%s', (_name, previous, event, expected) => {
    expect(decideState(previous ? { ...previous } : undefined, event, SETTINGS)).toBe(expected);
  });
});

describe('StateFilter', () => {
  const filter = (wall = () => 0, settings = {}) => new StateFilter({ ...SETTINGS, idleMs: 3_600_000, maxTracked: 100, ...settings }, wall);

  it('measures changes against the last stored state, and snapshots from the last stored event', () => {
    const f = filter();
    const events: Array<[number, string]> = [
      [0, 'on'],
      [100_000, 'on'],
      [200_000, 'off'],
      [250_000, 'off'],
      [400_000, 'off'],
      [500_000, 'off'],
      [510_000, 'on'],
    ];
    expect(events.map(([ts, state]) => f.process('d', { ts, state }))).toEqual([
      { store: 'first_contact', lastStoredState: undefined },
      { store: undefined, lastStoredState: 'on' },
      { store: 'change', lastStoredState: 'on' },
      { store: undefined, lastStoredState: 'off' },
      { store: undefined, lastStoredState: 'off' },
      { store: 'snapshot', lastStoredState: 'off' },
      { store: 'change', lastStoredState: 'off' },
    ]);
  });

  it('stores a late change but keeps the newest stored state as the reference', () => {
    const f = filter();
    f.process('d', { ts: 1000, state: 'on' });
    expect(f.process('d', { ts: 500, state: 'off' }).store).toBe('change');
    expect(f.process('d', { ts: 1200, state: 'on' })).toEqual({ store: undefined, lastStoredState: 'on' });
  });

  it('keeps devices apart', () => {
    const f = filter();
    f.process('a', { ts: 0, state: 'on' });
    expect(f.process('b', { ts: 0, state: 'on' }).store).toBe('first_contact');
    expect(f.process('a', { ts: 1, state: 'on' }).store).toBeUndefined();
  });

  it('forgets a device idle for idleMs of wall clock: its next event is a first contact', () => {
    let wall = 0;
    const evictions: string[] = [];
    const f = filter(() => wall, { idleMs: 1000, onEvict: (cause: string, n: number) => evictions.push(`${cause}:${n}`) });
    f.process('d', { ts: 0, state: 'on' });
    wall = 999;
    expect(f.process('d', { ts: 1, state: 'on' }).store).toBeUndefined();
    wall = 1999;
    expect(f.process('d', { ts: 2, state: 'on' }).store).toBe('first_contact');
    expect(evictions).toEqual(['idle:1']);
  });
});

describe('LastStates', () => {
  it('keeps at most maxTracked devices, forgetting the least recently seen', () => {
    const evicted: string[] = [];
    const states = new LastStates(60_000, 2, (cause, n) => evicted.push(`${cause}:${n}`));
    states.touch('a', last('x', 0));
    states.touch('b', last('x', 0));
    states.touch('a', last('x', 0));
    states.touch('c', last('x', 0));
    expect(['a', 'b', 'c'].filter((id) => states.get(id, 0))).toEqual(['a', 'c']);
    expect(evicted).toEqual(['cap:1']);
  });

  it('sweeps idle devices from the least recently seen and stops at the first kept', () => {
    const states = new LastStates(1000);
    states.touch('old', { state: 'x', ts: 0, lastSeenAt: 0 });
    states.touch('mid', { state: 'x', ts: 0, lastSeenAt: 500 });
    states.touch('new', { state: 'x', ts: 0, lastSeenAt: 900 });
    expect(states.evictIdle(1600)).toBe(2);
    expect(states.size).toBe(1);
    states.clear();
    expect(states.size).toBe(0);
  });
});
