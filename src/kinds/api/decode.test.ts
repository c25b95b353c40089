import { describe, expect, it } from 'vitest';
import { decodeApiRequest } from './decode.js';
import { apiRequestRow, API_REQUESTS } from './rows.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { ApiSimulator } from './simulate.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const DAY = 86_400_000;
const WINDOW = { maxPastMs: 90 * DAY, maxFutureMs: DAY };
const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
const decode = (body: unknown) => decodeApiRequest(bytes(body), 'checkout', ARRIVAL, WINDOW);
const request = (extra: Record<string, unknown> = {}) => ({
  method: 'GET',
  endpoint: '/items/{id}',
  status: 200,
  duration_ms: 12.5,
  ...extra,
});

describe('API request decoding', () => {
  it('reads a full request, the service from the subject key', () => {
    const result = decode(
      request({
        ts: '2026-11-23T19:19:00Z',
        user_id: 'u1',
        session_id: 's1',
        client_ip: '10.0.0.1',
        user_agent: 'curl/8',
        request_bytes: 0,
        response_bytes: 512,
        error: 'boom',
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        service: 'checkout',
        ts: ARRIVAL - 60_000,
        method: 'GET',
        endpoint: '/items/{id}',
        status: 200,
        durationMs: 12.5,
        userId: 'u1',
        sessionId: 's1',
        clientIp: '10.0.0.1',
        userAgent: 'curl/8',
        requestBytes: 0,
        responseBytes: 512,
        error: 'boom',
      },
    });
  });

  it('falls back to the arrival time and leaves optional fields absent', () => {
    expect(decode(request())).toMatchObject({ ok: true, value: { ts: ARRIVAL, userId: undefined, requestBytes: undefined } });
  });

  it.each([
    ['no method', { endpoint: '/a', status: 200, duration_ms: 1 }, 'schema', '/method: Expected required property'],
    ['a lower-case method', request({ method: 'get' }), 'schema', '/method'],
    ['a status below 100', request({ status: 99 }), 'schema', '/status'],
    ['a status above 599', request({ status: 600 }), 'schema', '/status'],
    ['a fractional status', request({ status: 200.5 }), 'schema', '/status'],
    ['a negative duration', request({ duration_ms: -1 }), 'schema', '/duration_ms'],
    ['a string duration', request({ duration_ms: '5' }), 'schema', '/duration_ms'],
    ['an overflowing duration', '{"method":"GET","endpoint":"/a","status":200,"duration_ms":1e999}', 'schema', '/duration_ms'],
    ['an empty endpoint', request({ endpoint: '' }), 'schema', '/endpoint'],
    ['negative bytes', request({ response_bytes: -5 }), 'schema', '/response_bytes'],
    [
      'an unknown field',
      request({ service: 'checkout' }),
      'schema',
      '/: unexpected property "service" (allowed: ts, method, endpoint, status',
    ],
    ['a ts a year old', request({ ts: ARRIVAL - 365 * DAY }), 'ts_out_of_range', '/ts'],
    ['not JSON', 'nope', 'not_json', ''],
  ])('dead-letters %s', (_name, body, reason, detail) => {
    const result = decode(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail).toContain(detail);
    }
  });
});

describe('API request rows', () => {
  it('are in the table column order, absent fields empty or NULL', () => {
    const decoded = decode(request({ ts: ARRIVAL - 1, user_id: 'u1' }));
    if (!decoded.ok) throw new Error(decoded.detail);
    const row = apiRequestRow(decoded.value, fieldPrivacy({}, 'api', ''), 7);
    expect(row).toHaveLength(API_REQUESTS.columns.length);
    expect(Object.fromEntries(API_REQUESTS.columns.map((c, i) => [c, row[i]]))).toEqual({
      ts: ARRIVAL - 1,
      service: 'checkout',
      method: 'GET',
      endpoint: '/items/{id}',
      status: 200,
      duration_ms: 12.5,
      user_id: 'u1',
      session_id: '',
      client_ip: '',
      user_agent: '',
      request_bytes: null,
      response_bytes: null,
      error: '',
      stream_seq: 7,
    });
  });

  it('hash and drop the fields PRIVACY names', () => {
    const decoded = decode(request({ user_id: 'u1', client_ip: '10.0.0.1', user_agent: 'curl/8', session_id: 's' }));
    if (!decoded.ok) throw new Error(decoded.detail);
    const privacy = fieldPrivacy({ api: { hash: ['client_ip', 'user_id'], drop: ['user_agent'] } }, 'api', 'salt');
    const row = apiRequestRow(decoded.value, privacy, 1);
    const at = (c: string) => row[API_REQUESTS.columns.indexOf(c)];
    expect(at('user_id')).toMatch(/^[0-9a-f]{64}$/);
    expect(at('client_ip')).toBe(privacy.apply('client_ip', '10.0.0.1'));
    expect(at('user_agent')).toBe('');
    expect(at('session_id')).toBe('s');
  });
});

describe('API simulator', () => {
  it('makes valid requests, the same for a seed, with some 5xx', () => {
    const a = new ApiSimulator({ seed: 3, startMs: ARRIVAL - DAY, keys: 4 });
    const b = new ApiSimulator({ seed: 3, startMs: ARRIVAL - DAY, keys: 4 });
    const events = Array.from({ length: 2000 }, () => a.next());
    expect(events.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => b.next()));
    for (const e of events) expect(decodeApiRequest(bytes(e.body), e.key, ARRIVAL, WINDOW).ok).toBe(true);
    expect(new Set(events.map((e) => e.key)).size).toBe(4);
    const failed = events.filter((e) => (e.body.status as number) >= 500).length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(events.length * 0.1);
  });
});
