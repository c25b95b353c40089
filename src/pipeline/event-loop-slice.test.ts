import { describe, expect, it } from 'vitest';
import { EventLoopSlice } from './event-loop-slice.js';

describe('event loop slice', () => {
  it('asks for a turn of the event loop only once the slice is used up, then starts a new one', async () => {
    const slice = new EventLoopSlice(20);
    expect(slice.due()).toBeUndefined();
    const started = performance.now();
    while (performance.now() - started < 25);
    const turn = slice.due();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(slice.due()).toBeUndefined();
  });
});
