/**
 * Bounds how long message handling holds the thread without a turn of the event loop. The consume
 * loops of all partitions run on microtasks while the client has messages buffered (thousands per
 * partition at a backlog), and microtasks never let timers or socket reads in: acks, batch timers
 * and finished inserts would wait behind them.
 */
export class EventLoopSlice {
  private startedAt = performance.now();

  constructor(private readonly sliceMs: number) {}

  /** A promise to await when the slice is used up, else undefined (nothing allocated per message). */
  due(): Promise<void> | undefined {
    if (performance.now() - this.startedAt < this.sliceMs) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.startedAt = performance.now();
        resolve();
      }),
    );
  }
}

/** The one slice all partition consumers of this process share: they share its thread. */
export const consumeSlice = new EventLoopSlice(10);
