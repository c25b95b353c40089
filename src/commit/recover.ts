import type { KindHandler } from '../kinds/kind.js';
import { PartitionBatch } from '../pipeline/partition-batch.js';
import type { ResultEffects } from '../pipeline/result-effects.js';
import { Router, routedFromStored } from '../pipeline/router.js';
import type { InsertOutcome, InsertBatch } from '../sinks/clickhouse/writer.js';
import type { Logger } from '../telemetry/logger.js';
import type { ReadBack } from './committer.js';
import { groupToken, mergeBatches } from './group-commit.js';
import type { CommitJournal } from './journal/commit-journal.js';
import { batchToken, leaderLast, type JournalEntry } from './journal/entry.js';

export interface RecoveryOptions {
  journal: CommitJournal;
  stream: string;
  readBack: ReadBack;
  /**
   * Fresh handlers for a member partition: a re-formed commit is decoded anew (a no-op if the first
   * insert landed), each member by its own partition's handlers, so its rows name that partition.
   */
  handlers(partition: number): ReadonlyMap<string, KindHandler>;
  maxMsgBytes: number;
  insert(batch: InsertBatch): Promise<InsertOutcome>;
  /** Of these stream sequences, those that have rows in the raw table. */
  storedSeqs(table: string, seqs: number[]): Promise<Set<number>>;
  effects: ResultEffects;
  log: Logger;
}

/** A journaled commit could not be finished now (stopped, NATS or ClickHouse away): the takeover is retried. */
export class RecoveryIncompleteError extends Error {
  override name = 'RecoveryIncompleteError';
}

/**
 * Finishes a commit a previous owner journaled but may not have finished: reads every member's
 * messages back from the stream, forms the same batches and the same group under the same token,
 * and inserts it, which ClickHouse drops if the first insert landed (every table deduplicates by
 * token, down to the rollups its materialized views feed). Then each member's journal entry moves
 * its committed sequence, so the members' owners ack those messages without storing them again.
 * False only when ClickHouse rejects the rows (the first insert was rejected too): the messages are
 * then processed again, their bad ones isolated. Anything else unfinished throws, and the partition
 * must not be consumed until a retry finishes it: a new commit would overwrite the journaled one,
 * and messages it stored would be stored again under other tokens.
 */
export async function recoverInflight(entry: JournalEntry, o: RecoveryOptions): Promise<boolean> {
  const inflight = entry.inflight;
  if (!inflight) return true;
  if ((await o.journal.resolve(inflight)) === 'abort') {
    await o.journal.finishRecovered(inflight.token, leaderLast(inflight.members), false);
    o.log.info(
      { token: inflight.token, members: inflight.members.length },
      'aborted a group commit its worker had not finished journaling: nothing of it was stored, its messages are processed again',
    );
    return true;
  }
  const members: InsertBatch[] = [];
  const batches: PartitionBatch[] = [];
  for (const [partition, first, last] of inflight.members) {
    // A dead letter sent before the crash is dropped by its message id within the duplicate window.
    const router = new Router(o.handlers(partition), o.maxMsgBytes, o.effects);
    const batch = new PartitionBatch();
    batches.push(batch);
    for await (const stored of o.readBack(partition, first, last)) router.route(routedFromStored(stored), batch);
    members.push({ token: batchToken(o.stream, partition, first, last), tables: batch.insertTables() });
  }
  const token = groupToken(members.map((m) => m.token));
  if (token !== inflight.token) {
    o.log.error(
      { journaled: inflight.token, reformed: token },
      'a journaled commit re-formed under another token; leaving it to redelivery',
    );
    return false;
  }
  if ((await Promise.all(batches.flatMap((b) => b.deadLetters))).includes(false))
    throw new RecoveryIncompleteError(`stopped while dead-lettering messages of the journaled commit ${token}`);
  const outcome = await o.insert({ ...mergeBatches(members), token });
  if (!outcome.ok && outcome.reason === 'rejected') {
    o.log.error({ token, err: outcome.message }, 'ClickHouse rejected a re-formed journaled commit; its messages are processed again');
    return false;
  }
  if (!outcome.ok) throw new RecoveryIncompleteError(`the journaled commit ${token} was not re-inserted (${outcome.reason})`);
  await repairRawRows(batches, token, o);
  await o.journal.finishRecovered(token, leaderLast(inflight.members));
  o.log.info({ token, members: inflight.members.length }, 'finished a commit a previous owner left in flight');
  return true;
}

/**
 * A kill during an insert can leave a table's deduplication log naming a block whose part never
 * committed (the log entry is written first): the re-insert is then dropped as a repeat of rows
 * that are not there. Raw rows carry their stream sequence, so messages of the commit with no row
 * at all are inserted again; a message with any row is left as it is, so nothing is stored twice.
 */
async function repairRawRows(batches: PartitionBatch[], token: string, o: RecoveryOptions): Promise<void> {
  const byTable = new Map<string, { columns: readonly string[]; rows: unknown[][]; seqs: number[] }>();
  for (const batch of batches) {
    for (const t of batch.tables.values()) {
      let entry = byTable.get(t.table);
      if (!entry) byTable.set(t.table, (entry = { columns: t.columns, rows: [], seqs: [] }));
      for (let i = 0; i < t.rows.length; i++) {
        entry.rows.push(t.rows[i]!);
        entry.seqs.push(t.seqs[i]!);
      }
    }
  }
  for (const [table, { columns, rows, seqs }] of byTable) {
    const present = await o.storedSeqs(table, [...new Set(seqs)]);
    const missing = rows.filter((_, i) => !present.has(seqs[i]!));
    if (missing.length === 0) continue;
    o.log.warn(
      { table, rows: missing.length },
      'rows of a re-formed commit were missing although ClickHouse took the insert as a repeat; inserting them',
    );
    const outcome = await o.insert({ token: `${token}|repair|${table}`, tables: [{ table, columns, rows: missing }] });
    if (!outcome.ok) o.log.error({ table, outcome: outcome.reason }, 'could not insert the missing rows of a re-formed commit');
  }
}
