import { describe, expect, it } from 'vitest';
import { MessageIds, idTime } from '../src/msg-id.js';
import { backoffMs } from '../src/backoff.js';

describe('message ids', () => {
  it('are 26 Crockford base32 characters carrying their millisecond', () => {
    const id = new MessageIds(() => 1_795_000_000_123).next();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(idTime(id)).toBe(1_795_000_000_123);
  });

  it('sort in the order they were made, within one millisecond and across a clock stepping back', () => {
    let now = 1_000;
    const ids = new MessageIds(() => now);
    const made: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      if (i % 1_000 === 999) now = i === 2_999 ? now - 500 : now + 1;
      made.push(ids.next());
    }
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('differ between generators', () => {
    const a = new MessageIds(() => 5).next();
    const b = new MessageIds(() => 5).next();
    expect(a).not.toBe(b);
    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
  });
});

describe('replay backoff', () => {
  it('doubles up to the cap, jittered within its upper half', () => {
    expect(backoffMs(0, 250, 30_000, () => 0)).toBe(125);
    expect(backoffMs(0, 250, 30_000, () => 1)).toBe(250);
    expect(backoffMs(3, 250, 30_000, () => 1)).toBe(2_000);
    expect(backoffMs(20, 250, 30_000, () => 1)).toBe(30_000);
    expect(backoffMs(20, 250, 30_000, () => 0)).toBe(15_000);
  });
});
