import { describe, expect, it } from 'vitest';
import { decodeDeviceMetrics } from './decode.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const DAY = 86_400_000;
const WINDOW = { maxPastMs: 90 * DAY, maxFutureMs: DAY };
const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
const decode = (body: unknown, device = 'dev-1', arrival = ARRIVAL) => decodeDeviceMetrics(bytes(body), device, arrival, WINDOW);

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
    expect(decode({ ts: ARRIVAL - 123, metrics: { v: 1 } })).toMatchObject({ ok: true, value: { ts: ARRIVAL - 123 } });
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
    ['a repeated metric', '{"metrics": {"a": 1, "a": 2}}', 'schema'],
    ['a lone surrogate in a label', '{"metrics":{"a":1},"labels":{"site":"\\ud800"}}', 'schema'],
    ['epoch seconds', { ts: 1_795_461_600, metrics: { v: 1 } }, 'ts_out_of_range'],
    ['a ts a year old', { ts: '2025-11-23T19:20:00Z', metrics: { v: 1 } }, 'ts_out_of_range'],
    ['a ts two days ahead', { ts: ARRIVAL + 2 * DAY, metrics: { v: 1 } }, 'ts_out_of_range'],
    ['a ts beyond year 9999', { ts: 253_402_300_800_000, metrics: { v: 1 } }, 'ts_out_of_range'],
    ['a value beyond 1e300', { metrics: { v: 1e301 } }, 'value_out_of_range'],
    ['a value below -1e300', { metrics: { v: -1e301 } }, 'value_out_of_range'],
  ])('dead-letters %s', (_name, body, reason) => {
    const result = body instanceof Uint8Array ? decodeDeviceMetrics(body, 'dev-1', ARRIVAL, WINDOW) : decode(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it.each([
    [
      'an impossible date',
      { ts: '2026-02-30T00:00:00Z', metrics: { v: 1 } },
      '/ts: "2026-02-30T00:00:00Z" is not a valid date-time; use RFC 3339 with a zone (2026-11-23T19:20:00Z) or epoch milliseconds',
    ],
    [
      'a ts without zone',
      { ts: '2026-11-23T19:20:00', metrics: { v: 1 } },
      '/ts: "2026-11-23T19:20:00" is not a valid date-time; use RFC 3339 with a zone',
    ],
    [
      'a ts of the wrong type',
      { ts: true, metrics: { v: 1 } },
      '/ts: true is neither a date-time nor whole epoch milliseconds; use RFC 3339',
    ],
    ['a fractional epoch', { ts: 1.5, metrics: { v: 1 } }, '/ts: 1.5 is neither'],
    ['an unknown field', { metrics: { v: 1 }, extra: true }, '/: unexpected property "extra" (allowed: ts, device_id, metrics, labels)'],
    ['a bad metric name', { metrics: { '1v': 1 } }, '/metrics: name "1v" is not allowed; Metric name (a letter or _'],
    ['a bad metric name with a slash', { metrics: { '1/v': 1 } }, '/metrics: name "1/v" is not allowed'],
    [
      'a bad label name with a control character',
      { metrics: { v: 1 }, labels: { '\u0000': 'x' } },
      '/labels: name "\\u0000" is not allowed',
    ],
    ['a repeated metric', '{"metrics": {"a": 1, "a": 2}}', '/metrics/a: duplicate key'],
    ['a value beyond 1e300', { metrics: { v: 1e301 } }, '/metrics/v: 1e+301 is beyond ±1e+300'],
    ['an overflowing number', '{"metrics": {"v": -1e999}}', '/metrics/v: -Infinity is not a finite number'],
    ['epoch seconds', { ts: 1_795_461_600, metrics: { v: 1 } }, 'it looks like epoch seconds: send milliseconds'],
  ])('explains %s', (_name, body, detail) => {
    const result = decode(body);
    expect(result.ok === false && result.detail).toContain(detail);
  });

  it('accepts the ends of the value range and the event-time window', () => {
    expect(decode({ metrics: { a: 1e300, b: -1e300 } }).ok).toBe(true);
    expect(decode({ ts: ARRIVAL - 90 * DAY, metrics: { v: 1 } }).ok).toBe(true);
    expect(decode({ ts: ARRIVAL + DAY, metrics: { v: 1 } }).ok).toBe(true);
    expect(decode({ ts: '2026-11-22T23:59:60Z', metrics: { v: 1 } })).toMatchObject({
      ok: true,
      value: { ts: Date.UTC(2026, 10, 22, 23, 59, 59, 999) },
    });
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('treats a metric named %s as data', (name) => {
    const result = decode(`{"metrics": {"${name}": 7, "x": 1}, "labels": {"${name}": "v"}}`);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.value.metrics)).toEqual([name, 'x']);
      expect(Object.getOwnPropertyDescriptor(result.value.metrics, name)?.value).toBe(7);
      expect(Object.getPrototypeOf(result.value.metrics)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(result.value.labels, name)?.value).toBe('v');
    }
  });
});
