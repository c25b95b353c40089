import { describe, expect, it } from 'vitest';
import { FillTurns } from './fill-turns.js';

describe('fill turns', () => {
  it('grants free turns at once and makes the next partition wait', () => {
    const turns = new FillTurns(2, 10_000);
    expect(turns.take()).toBeUndefined();
    expect(turns.take()).toBeUndefined();
    expect(turns.take()).toBeInstanceOf(Promise);
    expect(turns.filling).toBe(2);
  });

  it('hands a released turn to the partition waiting longest', async () => {
    const turns = new FillTurns(1, 10_000);
    turns.take();
    const order: string[] = [];
    const first = turns.take()!.then(() => order.push('first'));
    const second = turns.take()!.then(() => order.push('second'));
    turns.release();
    await first;
    expect(order).toEqual(['first']);
    expect(turns.filling).toBe(1);
    turns.release();
    await second;
    expect(order).toEqual(['first', 'second']);
    turns.release();
    expect(turns.filling).toBe(0);
    expect(turns.take()).toBeUndefined();
  });

  it('comes back to its limit after partitions filled past their wait, though others keep waiting', async () => {
    const turns = new FillTurns(1, 300);
    turns.take();
    await turns.take();
    expect(turns.filling).toBe(2);
    let handedOver = false;
    const third = turns.take()!.then(() => (handedOver = true));
    turns.release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(handedOver).toBe(false);
    expect(turns.filling).toBe(1);
    turns.release();
    await third;
    expect(turns.filling).toBe(1);
  });

  it('lets a partition fill without a turn once it has waited its longest, and counts it until released', async () => {
    const turns = new FillTurns(1, 20);
    turns.take();
    const started = performance.now();
    await turns.take();
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(turns.filling).toBe(2);
    turns.release();
    turns.release();
    expect(turns.filling).toBe(0);
    expect(turns.take()).toBeUndefined();
  });
});
