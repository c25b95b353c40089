import { describe, expect, it } from 'vitest';
import { AckStallClock } from './ack-stall.js';

describe('AckStallClock', () => {
  it('is 0 while nothing is pending, however old the last ack', () => {
    const clock = new AckStallClock();
    expect(clock.observe(0, 0, 1_000_000)).toBe(0);
  });

  it("counts from when work appeared, not from an idle worker's old ack", () => {
    const clock = new AckStallClock();
    expect(clock.observe(50, 1_000, 100_000)).toBe(0);
    expect(clock.observe(50, 1_000, 105_000)).toBe(5);
  });

  it('keeps growing while pending stays and nothing is acked, and restarts at an ack', () => {
    const clock = new AckStallClock();
    clock.observe(10, 0, 10_000);
    expect(clock.observe(10, 0, 410_000)).toBe(400);
    expect(clock.observe(10, 409_000, 410_000)).toBe(1);
  });

  it('keeps running through a poll that could not reach the server, and resets once drained', () => {
    const clock = new AckStallClock();
    clock.observe(10, 0, 0);
    expect(clock.observe(undefined, 0, 30_000)).toBe(30);
    expect(clock.observe(0, 0, 31_000)).toBe(0);
    expect(clock.observe(undefined, 0, 60_000)).toBe(0);
  });
});
