/**
 * Turns to fill a batch from a backlog, shared by a worker's partitions. While a file-stored
 * consumer is delivered to, nats-server re-encodes its every unacked message about 100 times a
 * second (docs/upstream/nats-server-consumer-state-flush.md), and at a backlog sixteen partitions
 * filling side by side each hold a full batch unacked for seconds, in the server and in memory.
 * A few filling at a time, each at a multiple of the pace, hold the same batches for a fraction
 * of the time.
 */
export class FillTurns {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /**
   * @param turns partitions filling from a backlog at once
   * @param maxWaitMs longest a partition waits for a turn before it fills anyway: one that pulls
   *   nothing for its pin TTL would lose its pin
   */
  constructor(
    readonly turns: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Partitions filling now, those past their wait included. */
  get filling(): number {
    return this.active;
  }

  /** Undefined when a turn is free and now taken; else resolves once one is handed over, or the wait is over. */
  take(): Promise<void> | undefined {
    if (this.active < this.turns) {
      this.active++;
      return undefined;
    }
    return new Promise((resolve) => {
      const handOver = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(handOver);
        if (at >= 0) this.waiting.splice(at, 1);
        // Filling without a turn counts all the same, so its release stays balanced.
        this.active++;
        resolve();
      }, this.maxWaitMs);
      this.waiting.push(handOver);
    });
  }

  /**
   * A turn ends (its batch was cut or dropped): the partition waiting longest takes it over, unless
   * partitions past their wait have put more than `turns` to filling: then it lapses, so the limit
   * comes back instead of staying raised while partitions keep queuing at a backlog.
   */
  release(): void {
    const next = this.active <= this.turns ? this.waiting.shift() : undefined;
    if (next) next();
    else this.active--;
  }
}
