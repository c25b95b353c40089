import { describe, expect, it } from 'vitest';
import { parseEventTime, parseRfc3339 } from './event-time.js';

const DAY = 86_400_000;
const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
const WINDOW = { maxPastMs: 90 * DAY, maxFutureMs: DAY };

describe('RFC 3339 event times', () => {
  it.each([
    ['2026-11-23T19:20:00Z', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2026-11-23T19:20:00.250Z', Date.UTC(2026, 10, 23, 19, 20, 0, 250)],
    ['2026-11-23T19:20:00.5Z', Date.UTC(2026, 10, 23, 19, 20, 0, 500)],
    ['2026-11-23T19:20:00.123456789Z', Date.UTC(2026, 10, 23, 19, 20, 0, 123)],
    ['2026-11-23T20:20:00+01:00', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2026-11-23T14:50:00-04:30', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2026-11-23t19:20:00z', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2026-11-23 19:20:00Z', Date.UTC(2026, 10, 23, 19, 20, 0)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['2026-12-31T23:59:60Z', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ['2027-01-01T00:59:60+01:00', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ['0050-01-01T00:00:00Z', new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(50)],
  ])('reads %s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-11-00T00:00:00Z',
    '2026-11-23T24:00:00Z',
    '2026-11-23T23:60:00Z',
    '2026-11-23T23:59:61Z',
    '2026-11-23T12:30:60Z',
    '2026-11-23T19:20:00+24:00',
    '2026-11-23T19:20:00',
    '2026-11-23',
    '2026-11-23T19:20:00.Z',
    ' 2026-11-23T19:20:00Z',
  ])('refuses %s', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});

describe('the event-time window', () => {
  it('falls back to the arrival time', () => {
    expect(parseEventTime(undefined, ARRIVAL, WINDOW)).toEqual({ ok: true, value: ARRIVAL });
  });

  it.each([
    ['epoch ms now', ARRIVAL, ARRIVAL],
    ['epoch ms 90 days back', ARRIVAL - 90 * DAY, ARRIVAL - 90 * DAY],
    ['epoch ms a day ahead', ARRIVAL + DAY, ARRIVAL + DAY],
    ['RFC 3339 now', '2026-11-23T19:20:00Z', ARRIVAL],
  ])('accepts %s', (_name, ts, expected) => {
    expect(parseEventTime(ts, ARRIVAL, WINDOW)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [
      'an impossible date',
      '2026-02-30T00:00:00Z',
      'schema',
      '/ts: "2026-02-30T00:00:00Z" is not a valid date-time; use RFC 3339 with a zone (2026-11-23T19:20:00Z) or epoch milliseconds',
    ],
    ['hour 24', '2026-11-23T24:00:00Z', 'schema', 'use RFC 3339 with a zone'],
    ['a fractional number', 1.5, 'schema', 'epoch milliseconds'],
    ['a negative number', -1, 'schema', 'epoch milliseconds'],
    [
      'epoch seconds',
      1_795_461_600,
      'ts_out_of_range',
      '/ts: 1795461600 is 1970-01-21T18:44:21.600Z as epoch milliseconds, outside the accepted window',
    ],
    [
      'one ms too old',
      ARRIVAL - 90 * DAY - 1,
      'ts_out_of_range',
      'outside the accepted window (2026-08-25T19:20:00.000Z to 2026-11-24T19:20:00.000Z)',
    ],
    ['one ms too new', ARRIVAL + DAY + 1, 'ts_out_of_range', 'as epoch milliseconds'],
    ['year 0000', '0000-01-01T00:00:00Z', 'ts_out_of_range', '"0000-01-01T00:00:00Z" is 0000-01-01T00:00:00.000Z, outside'],
    ['year 9999', '9999-12-31T23:59:59Z', 'ts_out_of_range', 'outside the accepted window'],
    ['1970', 0, 'ts_out_of_range', '1970-01-01T00:00:00.000Z'],
  ])('dead-letters %s', (_name, ts, reason, detail) => {
    const result = parseEventTime(ts, ARRIVAL, WINDOW);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.detail).toContain(detail);
  });

  it('says when a number looks like epoch seconds, and only then', () => {
    const seconds = parseEventTime(1_795_461_600, Date.UTC(2026, 10, 23), WINDOW);
    expect(seconds.ok === false && seconds.detail).toMatch(/it looks like epoch seconds: send milliseconds$/);
    const tooOld = parseEventTime(ARRIVAL - 100 * DAY, ARRIVAL, WINDOW);
    expect(tooOld.ok === false && tooOld.detail).not.toContain('looks like');
  });
});

describe('RFC 3339 shapes', () => {
  it.each([
    '2026-11-23T19:20:00.1234567890Z',
    '2026-11-23T19:20:00Z ',
    '2026-11-23T19:20:00+01',
    '2026-11-23T19:20:00+0100',
    '2026-11-23T19:20:0aZ',
    '2026-11-23X19:20:00Z',
    '+2026-11-23T19:20:00Z',
    '2026-11-23T19:20:00.12aZ',
  ])('refuses %s', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('truncates fractions to milliseconds', () => {
    expect(parseRfc3339('2026-11-23T19:20:00.9999Z')).toBe(Date.UTC(2026, 10, 23, 19, 20, 0, 999));
    expect(parseRfc3339('2026-11-23T19:20:00.05Z')).toBe(Date.UTC(2026, 10, 23, 19, 20, 0, 50));
  });
});
