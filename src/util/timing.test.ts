import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from './timing.js';

describe('backoff', () => {
  const backoff = { initialMs: 100, maxMs: 1_000 };
  it('doubles from the initial delay and stays within [ceiling/2, ceiling]', () => {
    expect(backoffDelay(0, backoff, () => 0)).toBe(50);
    expect(backoffDelay(0, backoff, () => 1)).toBe(100);
    expect(backoffDelay(3, backoff, () => 1)).toBe(800);
  });
  it('is capped', () => {
    expect(backoffDelay(50, backoff, () => 1)).toBe(1_000);
    expect(backoffDelay(50, backoff, () => 0)).toBe(500);
  });
});

describe('sleep', () => {
  it('resolves, not rejects, when its signal aborts', async () => {
    const abort = new AbortController();
    const slept = sleep(60_000, abort.signal);
    abort.abort();
    await expect(slept).resolves.toBeUndefined();
  });
  it('resolves at once on a signal already aborted', async () => {
    await expect(sleep(60_000, AbortSignal.abort())).resolves.toBeUndefined();
  });
});
