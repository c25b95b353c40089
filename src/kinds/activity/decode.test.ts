import { describe, expect, it } from 'vitest';
import { decodeActivity } from './decode.js';
import { activityRow } from './rows.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';

const NOW = Date.UTC(2026, 10, 23, 19, 20, 0);
const WINDOW = { maxPastMs: 90 * 86_400_000, maxFutureMs: 86_400_000 };
const decode = (body: unknown) => decodeActivity(new TextEncoder().encode(JSON.stringify(body)), 'shop-web', NOW, WINDOW);
const FULL = {
  ts: NOW,
  session_id: 's1',
  user_id: 'u1',
  activity_type: 'search',
  page_url: '/search',
  element_id: 'q',
  search_query: 'red shoes',
  duration_ms: 12.5,
  metadata: { results: 3 },
};

describe('activity bodies', () => {
  it('decodes a full activity into its row', () => {
    const result = decode(FULL);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(activityRow(result.value, fieldPrivacy({}, 'activity', ''), 7)).toEqual([
      NOW,
      'shop-web',
      's1',
      'u1',
      'search',
      '/search',
      'q',
      'red shoes',
      12.5,
      { results: '3' },
      7,
    ]);
  });

  it('stores absent optional fields empty and duration as NULL', () => {
    const result = decode({ session_id: 's1', activity_type: 'page_view' });
    if (!result.ok) throw new Error(result.detail);
    expect(activityRow(result.value, fieldPrivacy({}, 'activity', ''), 1)).toEqual([
      NOW,
      'shop-web',
      's1',
      '',
      'page_view',
      '',
      '',
      '',
      null,
      {},
      1,
    ]);
  });

  it('drops and hashes the private fields as PRIVACY says', () => {
    const result = decode(FULL);
    if (!result.ok) throw new Error(result.detail);
    const privacy = fieldPrivacy({ activity: { drop: ['search_query', 'page_url'], hash: ['user_id'] } }, 'activity', 'salt');
    const row = activityRow(result.value, privacy, 1);
    expect(row[3]).toMatch(/^[0-9a-f]{64}$/);
    expect([row[5], row[7]]).toEqual(['', '']);
  });

  it.each([
    ['no session', { activity_type: 'click' }, 'session_id'],
    ['an unknown field', { session_id: 's', activity_type: 'click', referrer: 'x' }, 'unexpected property "referrer"'],
    ['a negative duration', { session_id: 's', activity_type: 'click', duration_ms: -1 }, '/duration_ms'],
    ['an upper-case type', { session_id: 's', activity_type: 'Click' }, '/activity_type'],
    [
      'too many metadata keys',
      { session_id: 's', activity_type: 'click', metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) },
      '/metadata',
    ],
  ])('dead-letters %s as schema', (_name, body, detail) => {
    const result = decode(body);
    expect(result).toMatchObject({ ok: false, reason: 'schema' });
    if (!result.ok) expect(result.detail).toContain(detail);
  });
});
