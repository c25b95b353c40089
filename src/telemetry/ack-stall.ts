/**
 * How long a worker has gone without acking while work waits: the end-to-end lag gauge is only
 * set when a batch is acked, so it freezes during a stall; this clock keeps counting.
 * The status poll feeds it; the clock is passed in.
 */
export class AckStallClock {
  /** When the poll first saw messages pending since the last time it saw none. */
  private pendingSinceMs: number | undefined;

  /**
   * `pending` is the sum of the owned partitions' pending and ack-pending counts, or undefined
   * when the server could not be asked (the clock keeps running if it was). Returns seconds.
   */
  observe(pending: number | undefined, lastAckMs: number, nowMs: number): number {
    if (pending === 0) {
      this.pendingSinceMs = undefined;
      return 0;
    }
    if (pending !== undefined) this.pendingSinceMs ??= nowMs;
    if (this.pendingSinceMs === undefined) return 0;
    // An idle worker's old last ack does not count: the stall starts when work appeared.
    return Math.max(0, nowMs - Math.max(lastAckMs, this.pendingSinceMs)) / 1000;
  }
}
