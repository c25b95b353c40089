import type { InsertBatch, InsertOutcome, TableRows } from '../sinks/clickhouse/writer.js';
import type { IncomingMessage, KindHandler } from '../kinds/kind.js';
import { RollupReplay, type PartitionBatch } from '../pipeline/partition-batch.js';

/** A message of the batch as read back from the stream, with its kind. */
export interface ReadBackMessage extends IncomingMessage {
  kind: string;
  subject: string;
  /** The producer's Nats-Msg-Id, for its dead letter. */
  msgId?(): string | undefined;
}

export interface IsolationInput {
  batch: PartitionBatch;
  /** The batch's deduplication token: each piece's token extends it, so a retried isolation repeats the same tokens. */
  token: string;
  /** Tables (in insert order) stored before ClickHouse rejected the next one. */
  landed: readonly string[];
  /** The table ClickHouse rejected for the whole batch (known bad: split it at once), and why. */
  rejectedTable: string | undefined;
  rejectedDetail: string;
  /** The batch's handled messages, by sequence, for rebuilding accumulators of a part. */
  messages: ReadonlyMap<number, ReadBackMessage>;
  handlers: ReadonlyMap<string, KindHandler>;
  insert(piece: InsertBatch): Promise<InsertOutcome>;
  /** How many times a part may be halved; a part still rejected at that depth is rejected whole. */
  maxDepth: number;
}

export interface Isolation {
  /** Rejected messages: the server's reason, and the index (in insert order) of the table that rejected them. */
  rejected: Map<number, { detail: string; tableIndex: number }>;
  /** Inserts made while isolating. */
  inserts: number;
  aborted: boolean;
  /** Tables in insert order, as isolation saw them. */
  tables: string[];
}

class Aborted extends Error {}

/**
 * Stores what ClickHouse accepts of a rejected batch and finds the messages it rejects, by halving:
 * table by table in insert order, a part of the batch's messages whose rows are rejected is split
 * in two until single messages (or `maxDepth`) remain. A message rejected for one table is left
 * out of every later one (its rollup partials too), so only its rows in tables already stored remain.
 */
export async function isolateRejected(input: IsolationInput): Promise<Isolation> {
  const { batch } = input;
  const rawTables = [...batch.tables.values()];
  const accumulatorTables = batch.insertTables().filter((t) => !batch.tables.has(t.table));
  const order: TableRows[] = [...rawTables, ...accumulatorTables];
  const result: Isolation = { rejected: new Map(), inserts: 0, aborted: false, tables: order.map((t) => t.table) };

  const rowsOf = (table: TableRows, seqs: number[]): unknown[][] => {
    const raw = batch.tables.get(table.table);
    if (raw) {
      const wanted = new Set(seqs);
      return raw.rows.filter((_, i) => wanted.has(raw.seqs[i]!));
    }
    const replay = new RollupReplay();
    for (const seq of seqs) {
      const message = input.messages.get(seq);
      if (message) input.handlers.get(message.kind)?.rollup(message, replay);
    }
    return replay.tables().find((t) => t.table === table.table)?.rows ?? [];
  };

  const bisect = async (table: TableRows, index: number, seqs: number[], depth: number, knownBad: boolean): Promise<void> => {
    if (seqs.length === 0) return;
    let detail = input.rejectedDetail;
    if (!knownBad) {
      const rows = rowsOf(table, seqs);
      if (rows.length === 0) return;
      const piece: InsertBatch = {
        token: `${input.token}|${table.table}|${seqs[0]}-${seqs[seqs.length - 1]}#${seqs.length}`,
        tables: [{ table: table.table, columns: table.columns, rows }],
      };
      result.inserts++;
      const outcome = await input.insert(piece);
      if (outcome.ok) return;
      if (outcome.reason !== 'rejected') throw new Aborted();
      detail = outcome.message;
    }
    if (seqs.length === 1 || depth >= input.maxDepth) {
      const why = seqs.length === 1 ? detail : `${detail} (one of ${seqs.length} messages isolated no further: INSERT_ISOLATION_MAX_DEPTH)`;
      for (const seq of seqs) result.rejected.set(seq, { detail: why, tableIndex: index });
      return;
    }
    const half = Math.ceil(seqs.length / 2);
    await bisect(table, index, seqs.slice(0, half), depth + 1, false);
    await bisect(table, index, seqs.slice(half), depth + 1, false);
  };

  try {
    for (const [index, table] of order.entries()) {
      if (input.landed.includes(table.table)) continue;
      const candidates = batch.handledSeqs.filter((seq) => !result.rejected.has(seq));
      await bisect(table, index, candidates, 0, table.table === input.rejectedTable);
    }
  } catch (error) {
    if (!(error instanceof Aborted)) throw error;
    result.aborted = true;
  }
  return result;
}
