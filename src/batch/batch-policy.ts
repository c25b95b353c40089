/** The size of a batch so far, as the policy sees it. */
export interface BatchSize {
  messages: number;
  rows: number;
  bytes: number;
  /** Clock time of the first message, or undefined when empty. */
  openedAt: number | undefined;
}

export interface BatchLimits {
  maxRows: number;
  maxBytes: number;
  maxWaitMs: number;
}

/**
 * When to flush a batch. It owns no timers: the caller asks `isFull` after each add and
 * `dueIn(now)` to arm its own timer, so each trigger can be tested with a plain number clock.
 */
export class BatchPolicy {
  constructor(readonly limits: BatchLimits) {}

  /** Full by rows, by messages (each becomes an unacked message on the server) or by bytes. */
  isFull(size: BatchSize): boolean {
    return size.rows >= this.limits.maxRows || size.messages >= this.limits.maxRows || size.bytes >= this.limits.maxBytes;
  }

  /** Milliseconds until the batch is due by age: 0 when overdue, undefined when empty. */
  dueIn(size: BatchSize, now: number): number | undefined {
    if (size.openedAt === undefined) return undefined;
    return Math.max(0, size.openedAt + this.limits.maxWaitMs - now);
  }
}
