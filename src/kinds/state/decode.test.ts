import { describe, expect, it } from 'vitest';
import { decodeStateReport } from './decode.js';
import { stateRow } from './rows.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { stateSimulator } from './simulate.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const DAY = 86_400_000;
const WINDOW = { maxPastMs: 90 * DAY, maxFutureMs: DAY };
const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
const decode = (body: unknown) => decodeStateReport(bytes(body), 'pump-1', ARRIVAL, WINDOW);

describe('state decoding', () => {
  it('reads a full report, metadata values as text, the arrival time standing in for ts', () => {
    expect(
      decode({ state: 'fault', previous_state: 'online', changed_by: 'rule', reason: 'hot', metadata: { t: 93.5, ok: false, z: 'n' } }),
    ).toEqual({
      ok: true,
      value: {
        deviceId: 'pump-1',
        ts: ARRIVAL,
        state: 'fault',
        previousState: 'online',
        changedBy: 'rule',
        reason: 'hot',
        metadata: { t: '93.5', ok: 'false', z: 'n' },
      },
    });
  });

  it.each([
    ['no state', {}, 'schema', '/state'],
    ['an empty state', { state: '' }, 'schema', '/state'],
    [
      'an unknown field',
      { state: 'on', device_id: 'x' },
      'schema',
      'unexpected property "device_id" (allowed: ts, state, previous_state, changed_by, reason, metadata)',
    ],
    ['a long state', { state: 'x'.repeat(129) }, 'schema', '/state'],
    ['metadata that is not an object', { state: 'on', metadata: [1] }, 'schema', '/metadata'],
    ['a long metadata value', { state: 'on', metadata: { a: { b: 'x'.repeat(1100) } } }, 'schema', '/metadata/a: value is'],
    [
      'too many metadata keys',
      { state: 'on', metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 1])) },
      'schema',
      '/metadata',
    ],
    ['a ts without zone', { state: 'on', ts: '2026-11-23T19:20:00' }, 'schema', '/ts'],
    ['epoch seconds', { state: 'on', ts: 1_795_461_600 }, 'ts_out_of_range', 'epoch seconds'],
    ['not JSON', '{', 'not_json', ''],
  ])('dead-letters %s', (_name, body, reason, detail) => {
    const result = decode(body);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.detail).toContain(detail);
  });

  it('treats a metadata key named __proto__ as data', () => {
    const result = decode('{"state":"on","metadata":{"__proto__":"x"}}');
    expect(result.ok && Object.getOwnPropertyDescriptor(result.value.metadata, '__proto__')?.value).toBe('x');
  });
});

describe('state rows', () => {
  const report = { deviceId: 'd', ts: 5, state: 'on', previousState: undefined, changedBy: 'ana', reason: undefined, metadata: {} };

  it('fills previous_state from the last stored state when the body has none, and applies privacy', () => {
    const hashed = fieldPrivacy({ state: { hash: ['changed_by'] } }, 'state', 'salt');
    const row = stateRow(report, 'change', 'off', hashed, 9);
    expect(row[3]).toBe('off');
    expect(row[4]).toMatch(/^[0-9a-f]{64}$/);
    expect(stateRow({ ...report, previousState: 'boot' }, 'change', 'off', hashed, 9)[3]).toBe('boot');
    expect(stateRow(report, 'first_contact', undefined, fieldPrivacy({}, 'state', ''), 9)).toEqual([
      5,
      'd',
      'on',
      '',
      'ana',
      '',
      {},
      'first_contact',
      9,
    ]);
  });
});

describe('state simulator', () => {
  it('is deterministic for a seed and its events pass the schema', () => {
    const events = (seed: number) => {
      const s = stateSimulator({ seed, startMs: ARRIVAL - DAY, keys: 5 });
      return Array.from({ length: 300 }, () => s.next());
    };
    const a = events(1);
    expect(a).toEqual(events(1));
    for (const e of a) expect(decodeStateReport(bytes(e.body), e.key, ARRIVAL, WINDOW).ok).toBe(true);
    expect(new Set(a.map((e) => e.body.state)).size).toBeGreaterThan(2);
  });
});
