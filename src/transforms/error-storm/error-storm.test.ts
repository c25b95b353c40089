import { describe, expect, it } from 'vitest';
import { decide } from './decide.js';
import { ErrorStorm, stormSettings } from './error-storm.js';
import { errorFingerprint, normalizeMessage } from './fingerprint.js';

const WINDOW = 300_000;
const settings = (over: Partial<{ suppressWindowS: number; maxTracked: number; idleEvictS: number }> = {}) =>
  stormSettings({ suppressWindowS: 300, maxTracked: 1000, idleEvictS: 3600, ...over });

/** Decisions for occurrences of one fingerprint at these event times (seconds): "store:<repeats>" or "-". */
function run(times: number[], storm = new ErrorStorm(settings(), () => 0)): string[] {
  return times.map((s) => {
    const d = storm.process('fp', s * 1000);
    return d.store ? `store:${d.repeats}` : '-';
  });
}

describe('error fingerprints', () => {
  it.each([
    ['timeout after 3000 ms on shard 12', 'timeout after <n> ms on shard <n>'],
    ['user 5f2b1c9e-8a1d-4c3b-9e7f-0123456789ab not found', 'user <uuid> not found'],
    ['bad pointer 0xDEADBEEF', 'bad pointer <hex>'],
    ['object 507f1f77bcf86cd799439011 missing', 'object <hex> missing'],
    ['latency 12.5s', 'latency <n>s'],
    ['an acceptable failure', 'an acceptable failure'],
  ])('normalizes %j', (message, expected) => {
    expect(normalizeMessage(message)).toBe(expected);
  });

  it('is the same for messages differing only in numbers and ids, and differs by source, category and code', () => {
    const base = { source: 'api', category: 'database', code: 'E1', message: 'deadlock on row 17' };
    expect(errorFingerprint({ ...base, message: 'deadlock on row 923' })).toBe(errorFingerprint(base));
    expect(errorFingerprint({ ...base, source: 'web' })).not.toBe(errorFingerprint(base));
    expect(errorFingerprint({ ...base, category: 'api' })).not.toBe(errorFingerprint(base));
    expect(errorFingerprint({ ...base, code: 'E2' })).not.toBe(errorFingerprint(base));
    expect(errorFingerprint({ ...base, message: 'lock wait on row 17' })).not.toBe(errorFingerprint(base));
    expect(errorFingerprint(base)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('storm suppression', () => {
  it('stores the first, then once per window of event time, carrying the suppressed count', () => {
    expect(run([0, 10, 20, 299, 300, 301, 599, 600, 1000])).toEqual(['store:0', '-', '-', '-', 'store:3', '-', '-', 'store:2', 'store:0']);
  });

  it('suppresses a late occurrence and counts it in the next stored one', () => {
    expect(run([1000, 900, 1200, 1300])).toEqual(['store:0', '-', '-', 'store:2']);
  });

  it('decides from the state alone', () => {
    expect(decide(undefined, 0, WINDOW)).toEqual({ store: true, repeats: 0 });
    expect(decide({ lastStoredTs: 0, suppressed: 4, lastSeenAt: 0 }, WINDOW - 1, WINDOW)).toEqual({ store: false });
    expect(decide({ lastStoredTs: 0, suppressed: 4, lastSeenAt: 0 }, WINDOW, WINDOW)).toEqual({ store: true, repeats: 4 });
  });

  it('keeps fingerprints apart', () => {
    const storm = new ErrorStorm(settings(), () => 0);
    expect(storm.process('a', 0)).toEqual({ store: true, repeats: 0 });
    expect(storm.process('b', 1000)).toEqual({ store: true, repeats: 0 });
    expect(storm.process('a', 2000)).toEqual({ store: false });
  });

  it('forgets an idle fingerprint (wall clock), so its next error is stored', () => {
    let wall = 0;
    const evictions: string[] = [];
    const tracked = new ErrorStorm({ ...settings({ idleEvictS: 60 }), onEvict: (c, n) => evictions.push(`${c}:${n}`) }, () => wall);
    tracked.process('fp', 0);
    wall = 59_000;
    expect(tracked.process('fp', 500)).toEqual({ store: false });
    wall = 59_000 + 60_000;
    expect(tracked.process('fp', 1000)).toEqual({ store: true, repeats: 0 });
    expect(evictions).toEqual(['idle:1']);
    expect(tracked.states.size).toBe(1);
  });

  it('holds at most its share of the cap, forgetting the least recently seen', () => {
    const evictions: string[] = [];
    const s = stormSettings(
      { suppressWindowS: 300, maxTracked: 8, idleEvictS: 3600 },
      { partitions: 4, onEvict: (c, n) => evictions.push(`${c}:${n}`) },
    );
    expect(s.maxTracked).toBe(2);
    const storm = new ErrorStorm(s, () => 0);
    storm.process('a', 0);
    storm.process('b', 0);
    storm.process('a', 1); // a is now the most recent
    storm.process('c', 0); // b goes
    expect(storm.states.size).toBe(2);
    expect(evictions).toEqual(['cap:1']);
    expect(storm.process('a', 2)).toEqual({ store: false });
    expect(storm.process('b', 2)).toEqual({ store: true, repeats: 0 });
  });
});
