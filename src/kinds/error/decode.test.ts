import { describe, expect, it } from 'vitest';
import { decodeError } from './decode.js';
import { ErrorCounts } from './rows.js';

const NOW = Date.UTC(2026, 10, 23, 19, 20, 0);
const WINDOW = { maxPastMs: 90 * 86_400_000, maxFutureMs: 86_400_000 };
const decode = (body: unknown) => decodeError(new TextEncoder().encode(JSON.stringify(body)), 'checkout-api', NOW, WINDOW);

describe('error bodies', () => {
  it('decodes a full error, context values as strings', () => {
    const result = decode({
      ts: '2026-11-23T19:00:00Z',
      category: 'database',
      severity: 'critical',
      code: 'E1',
      message: 'deadlock',
      stack: 'at x',
      context: { table: 'orders', attempt: 2 },
    });
    expect(result).toEqual({
      ok: true,
      value: {
        source: 'checkout-api',
        ts: Date.UTC(2026, 10, 23, 19),
        category: 'database',
        severity: 'critical',
        code: 'E1',
        message: 'deadlock',
        stack: 'at x',
        context: { table: 'orders', attempt: '2' },
      },
    });
  });

  it('fills absent optional fields and the arrival time', () => {
    expect(decode({ category: 'api', severity: 'info', message: 'm' })).toMatchObject({
      ok: true,
      value: { ts: NOW, code: '', stack: '', context: {} },
    });
  });

  it.each([
    ['an unknown field', { category: 'api', severity: 'info', message: 'm', host: 'a' }, 'schema', 'unexpected property "host"'],
    ['an upper-case category', { category: 'API', severity: 'info', message: 'm' }, 'schema', '/category'],
    ['an unknown severity', { category: 'api', severity: 'fatal', message: 'm' }, 'schema', '/severity'],
    ['no message', { category: 'api', severity: 'info' }, 'schema', 'message'],
    ['an empty message', { category: 'api', severity: 'info', message: '' }, 'schema', '/message'],
    ['a message over 8192 characters', { category: 'api', severity: 'info', message: 'x'.repeat(8193) }, 'schema', '/message'],
    ['an epoch-seconds ts', { ts: 1_795_461_600, category: 'api', severity: 'info', message: 'm' }, 'ts_out_of_range', 'epoch seconds'],
  ])('dead-letters %s', (_name, body, reason, detail) => {
    const result = decode(body);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.detail).toContain(detail);
  });

  it('counts errors per hour, source, category and severity', () => {
    const counts = new ErrorCounts();
    for (const [ts, severity] of [
      [NOW, 'error'],
      [NOW + 1, 'error'],
      [NOW + 3_600_000, 'error'],
      [NOW, 'info'],
    ] as const) {
      const d = decode({ ts, category: 'api', severity, message: 'm' });
      if (d.ok) counts.add(d.value);
    }
    const hour = Date.UTC(2026, 10, 23, 19) / 1000;
    expect(counts.rows()).toEqual([
      [hour, 'checkout-api', 'api', 'error', 2],
      [hour + 3600, 'checkout-api', 'api', 'error', 1],
      [hour, 'checkout-api', 'api', 'info', 1],
    ]);
  });
});
