import type { BatchSize } from '../batch/batch-policy.js';
import type { TableRows } from '../sinks/clickhouse/writer.js';
import type { Accumulator, BatchOutput, TableColumns } from './batch-output.js';
import { BatchTally } from './batch-tally.js';
import type { MessageResult } from './result.js';

/** A raw table's rows in a batch, each with the sequence of the message that produced it and its reason. */
export interface BatchTable extends TableRows {
  readonly kind: string;
  readonly seqs: number[];
  readonly reasons: string[];
}

/** What the batch keeps of its last message: the one whose AckAll acknowledges the whole batch. */
export interface AckHandle {
  ackAck(options?: { timeout?: number }): Promise<boolean>;
}

/**
 * One partition's messages since the last cut: the rows they produced per table, what each
 * message came to, the dead letters they caused, and the last message (its AckAll acknowledges
 * the whole batch). Kinds write to it through BatchOutput.
 */
export class PartitionBatch implements BatchSize, BatchOutput {
  messages = 0;
  rows = 0;
  bytes = 0;
  firstSeq = 0;
  lastSeq = 0;
  /**
   * The first sequence the batch handed to a kind (0: none yet). Messages before it were stored
   * already (a previous owner's, acked with this batch, not stored again): a commit names only
   * [routedFrom, lastSeq], the range a re-formed commit reads back, so it holds exactly these rows.
   */
  routedFrom = 0;
  last: AckHandle | undefined;
  /** The kind whose message is being handled: rows and counts go to it. */
  kind = '';
  /** What the batch's messages came to; counted when the batch is acked. */
  readonly tally = new BatchTally();
  /** Messages handled by a kind (not dead-lettered on the way), in order, with their kind and result. */
  readonly handledSeqs: number[] = [];
  readonly handledKinds: string[] = [];
  readonly handledResults: MessageResult[] = [];
  /** Sequences already dead-lettered, so a batch ClickHouse rejects does not send them twice. */
  readonly deadLetteredSeqs = new Set<number>();
  /** Dead-letter publishes under way; the batch is acked only after every one resolved true. */
  readonly deadLetters: Promise<boolean>[] = [];
  readonly tables = new Map<string, BatchTable>();
  private readonly accumulators = new Accumulators();

  /** `epoch`: the journal epoch of the hold this batch's messages were taken under (see Hold); a later hold never commits it. */
  constructor(readonly epoch = 0) {}

  get isEmpty(): boolean {
    return this.messages === 0;
  }

  /**
   * Counts a message into the batch. Only the last message is kept (its ack covers the batch):
   * holding every message for the rare batch ClickHouse rejects kept them past the young
   * generation and tripled GC time; such a batch is read back from the stream instead.
   */
  track(msg: AckHandle, seq: number, bytes: number, alreadyStored = false): void {
    if (this.messages === 0) this.firstSeq = seq;
    if (!alreadyStored && this.routedFrom === 0) this.routedFrom = seq;
    this.messages++;
    this.bytes += bytes;
    this.lastSeq = seq;
    this.last = msg;
  }

  /** Records what a kind's handling of message `seq` came to. */
  handled(seq: number, kind: string, result: MessageResult): void {
    this.handledSeqs.push(seq);
    this.handledKinds.push(kind);
    this.handledResults.push(result);
    if (result.type === 'ok') this.tally.stored(kind, result.reason);
    else if (result.type === 'drop') this.tally.drop(kind, result.reason);
  }

  row(table: TableColumns, row: unknown[], seq: number, reason: string): void {
    let rows = this.tables.get(table.table);
    if (!rows)
      this.tables.set(
        table.table,
        (rows = { table: table.table, columns: table.columns, kind: this.kind, rows: [], seqs: [], reasons: [] }),
      );
    rows.rows.push(row);
    rows.seqs.push(seq);
    rows.reasons.push(reason);
    this.rows++;
    this.tally.rows(this.kind, reason, 1);
  }

  accumulator<A extends Accumulator>(table: TableColumns, make: () => A): A {
    return this.accumulators.get(table, make);
  }

  eventTime(ms: number): void {
    this.tally.eventTime(ms);
  }

  /** Rows per table, raw tables first so a materialized-view feed lands after the rows it summarizes. */
  insertTables(): TableRows[] {
    const out: TableRows[] = [];
    for (const t of this.tables.values()) out.push({ table: t.table, columns: t.columns, rows: t.rows });
    return out.concat(this.accumulators.tables());
  }
}

/** A batch's accumulators, one per table, made on first use. */
class Accumulators {
  private readonly byTable = new Map<string, { table: TableColumns; acc: Accumulator }>();

  get<A extends Accumulator>(table: TableColumns, make: () => A): A {
    let entry = this.byTable.get(table.table);
    if (!entry) this.byTable.set(table.table, (entry = { table, acc: make() }));
    return entry.acc as A;
  }

  tables(): TableRows[] {
    const out: TableRows[] = [];
    for (const { table, acc } of this.byTable.values()) if (acc.size > 0) out.push(rowsWhenRead(table, acc));
    return out;
  }
}

/**
 * An accumulator's rows, made afresh each time they are read: by the insert, which encodes them at
 * once, so they are neither made at the cut nor kept by the batch through young-generation
 * collections while an insert runs (both had them promoted).
 */
function rowsWhenRead(table: TableColumns, acc: Accumulator): TableRows {
  return {
    table: table.table,
    columns: table.columns,
    get rows() {
      return acc.rows();
    },
  };
}

/**
 * The accumulators of a part of a batch, rebuilt from its messages (see KindHandler.rollup). Used
 * only while isolating the messages of a batch ClickHouse rejected; the part's rows are kept.
 */
export class RollupReplay implements BatchOutput {
  private readonly accumulators = new Accumulators();

  /** A rollup replay writes no rows: the batch kept them. */
  row(): void {}

  accumulator<A extends Accumulator>(table: TableColumns, make: () => A): A {
    return this.accumulators.get(table, make);
  }

  eventTime(): void {}

  tables(): TableRows[] {
    return this.accumulators.tables();
  }
}
