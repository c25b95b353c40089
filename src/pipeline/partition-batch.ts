import type { JsMsg } from '@nats-io/jetstream';
import type { BatchSize } from '../batch/batch-policy.js';
import { BatchTally } from '../telemetry/pipeline-stats.js';
import type { TableColumns, TableRows } from '../sinks/clickhouse/writer.js';

/** Rows that build up over a batch and are read once at flush (e.g. partial aggregates). */
export interface Accumulator {
  readonly size: number;
  /** Rows in the table's column order. */
  rows(): unknown[][];
}

/**
 * One partition's messages since the last flush: the rows they produced per table, the dead
 * letters they caused, and the last message, whose AckAll acknowledges the whole batch.
 */
export class PartitionBatch implements BatchSize {
  messages = 0;
  rows = 0;
  bytes = 0;
  firstSeq = 0;
  lastSeq = 0;
  last: JsMsg | undefined;
  /** What the batch's messages came to; counted when the batch is acked. */
  readonly tally = new BatchTally();
  /** Sequences already dead-lettered, so a batch ClickHouse rejects does not send them twice. */
  readonly deadLetteredSeqs = new Set<number>();
  /** Dead-letter publishes under way; the batch is acked only after every one resolved true. */
  readonly deadLetters: Promise<boolean>[] = [];
  private readonly tables = new Map<string, TableRows>();
  private readonly accumulators = new Map<string, { table: TableColumns; acc: Accumulator }>();

  get isEmpty(): boolean {
    return this.messages === 0;
  }

  track(msg: JsMsg, seq: number): void {
    if (this.messages === 0) this.firstSeq = seq;
    this.messages++;
    this.bytes += msg.data.length;
    this.lastSeq = seq;
    // Only the last message is kept (its ack covers the batch): holding every message for the rare
    // batch ClickHouse rejects kept them past the young generation and tripled GC time; such a
    // batch is read back from the stream instead.
    this.last = msg;
  }

  /** Adds one row, its values in the order of `table.columns`. */
  push(table: TableColumns, row: unknown[]): void {
    let rows = this.tables.get(table.table);
    if (!rows) this.tables.set(table.table, (rows = { table: table.table, columns: table.columns, rows: [] }));
    rows.rows.push(row);
    this.rows++;
  }

  /** The batch's accumulator for `table`, made on first use. */
  accumulator<A extends Accumulator>(table: TableColumns, make: () => A): A {
    let entry = this.accumulators.get(table.table);
    if (!entry) this.accumulators.set(table.table, (entry = { table, acc: make() }));
    return entry.acc as A;
  }

  /** Rows per table, raw tables first so a materialized-view feed lands after the rows it summarizes. */
  insertTables(): TableRows[] {
    const out = [...this.tables.values()];
    for (const { table, acc } of this.accumulators.values()) if (acc.size > 0) out.push({ ...table, rows: acc.rows() });
    return out;
  }
}
