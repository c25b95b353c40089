import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelay, verdictOf } from './retry.js';

describe('what an answer means for a batch', () => {
  it.each([
    [202, 'done'],
    [200, 'done'],
    [0, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'drop'],
    [401, 'drop'],
    [403, 'drop'],
    [413, 'drop'],
    [415, 'drop'],
  ])('HTTP %i: %s', (status, verdict) => {
    expect(verdictOf(status)).toBe(verdict);
  });
});

describe('retry backoff', () => {
  const top = () => 1; // the jitter's upper end
  const bottom = () => 0;

  it('doubles from the first wait up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelay(n, 1000, 60_000, 0, top))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('jitters in the upper half, so pages back online do not retry in step', () => {
    expect(retryDelay(3, 1000, 60_000, 0, bottom)).toBe(2000);
    expect(retryDelay(3, 1000, 60_000, 0, () => 0.5)).toBe(3000);
  });

  it('never retries before Retry-After', () => {
    expect(retryDelay(1, 1000, 60_000, 30_000, top)).toBe(30_000);
    expect(retryDelay(8, 1000, 60_000, 5_000, top)).toBe(60_000);
  });

  it('stays finite for a huge attempt count', () => {
    expect(retryDelay(10_000, 1000, 60_000, 0, top)).toBe(60_000);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-23T19:20:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Mon, 23 Nov 2026 19:20:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs(null, now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBe(0);
    expect(retryAfterMs('-5', now)).toBe(0);
  });
});
