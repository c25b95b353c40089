import { describe, expect, it } from 'vitest';
import { decodeDeviceMetrics } from './decode.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const decode = (body: unknown, device = 'dev-1', arrival = 1_000) => decodeDeviceMetrics(bytes(body), device, arrival);

describe('device metrics decoding', () => {
  it.each([
    ['2026-11-23T19:20:00Z', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2026-11-23T19:20:00.250Z', Date.UTC(2026, 10, 23, 19, 20, 0, 250)],
    ['2026-11-23T19:20:00.123456789Z', Date.UTC(2026, 10, 23, 19, 20, 0, 123)],
    ['2026-11-23T20:20:00+01:00', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2026-11-23t19:20:00z', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2026-11-23 19:20:00Z', Date.UTC(2026, 10, 23, 19, 20, 0)],
  ])('reads RFC 3339 ts %s', (ts, expected) => {
    const result = decode({ ts, metrics: { v: 1 } });
    expect(result).toMatchObject({ ok: true, value: { ts: expected } });
  });

  it('reads epoch milliseconds and falls back to the arrival time', () => {
    expect(decode({ ts: 1_700_000_000_123, metrics: { v: 1 } })).toMatchObject({ ok: true, value: { ts: 1_700_000_000_123 } });
    expect(decode({ metrics: { v: 1 } }, 'dev-1', 42)).toMatchObject({ ok: true, value: { ts: 42, labels: {} } });
  });

  it('accepts a matching device_id and labels', () => {
    expect(decode({ device_id: 'dev-1', metrics: { 'cpu.load:1m': 0.5 }, labels: { site: 'x' } })).toMatchObject({
      ok: true,
      value: { deviceId: 'dev-1', metrics: { 'cpu.load:1m': 0.5 }, labels: { site: 'x' } },
    });
  });

  it.each([
    ['not json', 'nope', 'not_json'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'not_json'],
    ['a JSON array', [1, 2], 'schema'],
    ['no metrics', { ts: 1 }, 'schema'],
    ['empty metrics', { metrics: {} }, 'schema'],
    ['a string value', { metrics: { v: '1' } }, 'schema'],
    ['a null value', { metrics: { v: null } }, 'schema'],
    ['a bad metric name', { metrics: { '1v': 1 } }, 'schema'],
    ['an unknown field', { metrics: { v: 1 }, extra: true }, 'schema'],
    ['a ts without zone', { ts: '2026-11-23T19:20:00', metrics: { v: 1 } }, 'schema'],
    ['an impossible date', { ts: '2026-02-31T25:61:00Z', metrics: { v: 1 } }, 'schema'],
    ['a fractional epoch', { ts: 1.5, metrics: { v: 1 } }, 'schema'],
    ['a non-string label', { metrics: { v: 1 }, labels: { a: 1 } }, 'schema'],
    ['an overflowing number', '{"metrics": {"v": 1e999}}', 'non_finite'],
    ['a different device_id', { device_id: 'dev-2', metrics: { v: 1 } }, 'device_mismatch'],
  ])('dead-letters %s', (_name, body, reason) => {
    const result = body instanceof Uint8Array ? decodeDeviceMetrics(body, 'dev-1', 0) : decode(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });
});
