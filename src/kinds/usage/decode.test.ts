import { describe, expect, it } from 'vitest';
import { decodeUsageEvent } from './decode.js';
import { usageRow } from './rows.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { usageSimulator } from './simulate.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const DAY = 86_400_000;
const WINDOW = { maxPastMs: 90 * DAY, maxFutureMs: DAY };
const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
const decode = (body: unknown) => decodeUsageEvent(bytes(body), 'shop', ARRIVAL, WINDOW);

describe('usage decoding and rows', () => {
  it('writes an event in column order, properties as text', () => {
    const result = decode({
      ts: '2026-11-23T19:00:00Z',
      event: 'export_started',
      feature: 'export',
      user_id: 'u',
      instance_id: 'i',
      properties: { rows: 3, f: 'csv' },
    });
    expect(result.ok && usageRow(result.value, fieldPrivacy({}, 'usage', ''), 7)).toEqual([
      Date.UTC(2026, 10, 23, 19),
      'shop',
      'export_started',
      'export',
      'u',
      'i',
      { rows: '3', f: 'csv' },
      7,
    ]);
  });

  it('drops or hashes user_id as PRIVACY says', () => {
    const result = decode({ event: 'e', user_id: 'u' });
    if (!result.ok) throw new Error(result.detail);
    expect(usageRow(result.value, fieldPrivacy({ usage: { drop: ['user_id'] } }, 'usage', ''), 1)[4]).toBe('');
    expect(usageRow(result.value, fieldPrivacy({ usage: { hash: ['user_id'] } }, 'usage', 's'), 1)[4]).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['no event', { feature: 'x' }, 'schema'],
    ['an empty event', { event: '' }, 'schema'],
    ['properties that are a string', { event: 'e', properties: 'x' }, 'schema'],
    ['an unknown field', { event: 'e', userId: 'u' }, 'schema'],
    ['a ts two days ahead', { event: 'e', ts: ARRIVAL + 2 * DAY }, 'ts_out_of_range'],
  ])('dead-letters %s', (_name, body, reason) => {
    expect(decode(body)).toMatchObject({ ok: false, reason });
  });

  it('simulates a long tail of features, deterministically and within the schema', () => {
    const events = (seed: number) => {
      const s = usageSimulator({ seed, startMs: ARRIVAL - DAY, keys: 3 });
      return Array.from({ length: 500 }, () => s.next());
    };
    const a = events(5);
    expect(a).toEqual(events(5));
    for (const e of a) expect(decodeUsageEvent(bytes(e.body), e.key, ARRIVAL, WINDOW).ok).toBe(true);
    const count = (f: string) => a.filter((e) => e.body.feature === f).length;
    expect(count('dashboard')).toBeGreaterThan(count('billing'));
  });
});
