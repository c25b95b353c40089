import { describe, expect, it } from 'vitest';
import { BatchPolicy, type BatchSize } from './batch-policy.js';

const policy = new BatchPolicy({ maxRows: 100, maxBytes: 1000, maxWaitMs: 500 });
const size = (over: Partial<BatchSize> = {}): BatchSize => ({ messages: 0, rows: 0, bytes: 0, ...over });

describe('batch policy', () => {
  it('is full at max rows', () => {
    expect(policy.isFull(size({ messages: 10, rows: 99 }))).toBe(false);
    expect(policy.isFull(size({ messages: 10, rows: 100 }))).toBe(true);
  });

  it('is full at max rows worth of messages even when the filter stored few rows', () => {
    expect(policy.isFull(size({ messages: 99, rows: 3 }))).toBe(false);
    expect(policy.isFull(size({ messages: 100, rows: 3 }))).toBe(true);
  });

  it('is full at max bytes', () => {
    expect(policy.isFull(size({ messages: 1, rows: 1, bytes: 999 }))).toBe(false);
    expect(policy.isFull(size({ messages: 1, rows: 1, bytes: 1000 }))).toBe(true);
  });

  it('cuts by age on one grid of max-wait ticks, so no message waits longer than max wait', () => {
    expect(policy.untilNextCut(1_000)).toBe(500);
    expect(policy.untilNextCut(1_001)).toBe(499);
    expect(policy.untilNextCut(1_499)).toBe(1);
    expect(policy.untilNextCut(1_500)).toBe(500);
    for (const now of [0, 7, 250, 499, 123_456_789]) {
      const wait = policy.untilNextCut(now);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(500);
      expect((now + wait) % 500).toBe(0);
    }
  });

  it('lets a batch at its maximum wait fill up when the stream holds what it lacks', () => {
    expect(policy.fillsFromBacklog(size({ messages: 40 }), 60)).toBe(true);
    expect(policy.fillsFromBacklog(size({ messages: 40 }), 59)).toBe(false);
    expect(policy.fillsFromBacklog(size({ messages: 1 }), 0)).toBe(false);
  });
});
