import type { JsMsg } from '@nats-io/jetstream';
import type { BatchSize } from '../batch/batch-policy.js';
import { BatchTally } from '../telemetry/pipeline-stats.js';

/** Rows that build up over a batch and are read once at flush (e.g. partial aggregates). */
export interface Accumulator {
  readonly size: number;
  rows(): object[];
}

/**
 * One partition's messages since the last flush: the rows they produced per table, the dead
 * letters they caused, and the last message, whose AckAll acknowledges the whole batch.
 */
export class PartitionBatch implements BatchSize {
  messages = 0;
  rows = 0;
  bytes = 0;
  openedAt: number | undefined;
  firstSeq = 0;
  lastSeq = 0;
  last: JsMsg | undefined;
  /** Every message, kept so a batch ClickHouse rejects as bad data can be dead-lettered whole. */
  readonly sources: JsMsg[] = [];
  /** What the batch's messages came to; counted when the batch is acked. */
  readonly tally = new BatchTally();
  /** Sequences already dead-lettered, so a batch ClickHouse rejects does not send them twice. */
  readonly deadLetteredSeqs = new Set<number>();
  /** Dead-letter publishes under way; the batch is acked only after every one resolved true. */
  readonly deadLetters: Promise<boolean>[] = [];
  private readonly tables = new Map<string, object[]>();
  private readonly accumulators = new Map<string, Accumulator>();

  get isEmpty(): boolean {
    return this.messages === 0;
  }

  track(msg: JsMsg, seq: number, now: number): void {
    if (this.messages === 0) {
      this.openedAt = now;
      this.firstSeq = seq;
    }
    this.messages++;
    this.bytes += msg.data.length;
    this.lastSeq = seq;
    this.last = msg;
    this.sources.push(msg);
  }

  push(table: string, rows: object[]): void {
    if (rows.length === 0) return;
    let list = this.tables.get(table);
    if (!list) this.tables.set(table, (list = []));
    for (const row of rows) list.push(row);
    this.rows += rows.length;
  }

  /** The batch's accumulator for `table`, made on first use. */
  accumulator<A extends Accumulator>(table: string, make: () => A): A {
    let acc = this.accumulators.get(table) as A | undefined;
    if (!acc) this.accumulators.set(table, (acc = make()));
    return acc;
  }

  /** Rows per table, raw tables first so a materialized-view feed lands after the rows it summarizes. */
  insertTables(): Array<[string, object[]]> {
    const out: Array<[string, object[]]> = [...this.tables];
    for (const [table, acc] of this.accumulators) if (acc.size > 0) out.push([table, acc.rows()]);
    return out;
  }
}
