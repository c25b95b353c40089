import type { KindHandler } from '../kinds/kind.js';
import type { InsertOutcome } from '../sinks/clickhouse/writer.js';
import type { PartitionBatch } from '../pipeline/partition-batch.js';
import type { ResultEffects } from '../pipeline/result-effects.js';
import { routedFromStored, type RoutedMessage, type StoredMessage } from '../pipeline/router.js';
import type { Logger } from '../telemetry/logger.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';
import type { BatchInserter } from './group-commit.js';
import type { Hold } from './hold.js';
import { isolateRejected, type ReadBackMessage } from './isolate-rejected.js';
import { batchToken } from './journal/entry.js';

/** Reads a partition's stored messages from `first` to `last` back from the stream, in order (the source's read-back). */
export type ReadBack = (partition: number, first: number, last: number) => AsyncIterable<StoredMessage>;

/**
 * What a commit came to, for the partition's run to act on: `stored` (ack the batch), `fenced`
 * (another worker owns the partition now: take it again if this worker still holds it), or
 * `retry_later` (left unacked: stopped, of an earlier hold, or a dead letter not stored).
 */
export type CommitOutcome = { readonly type: 'stored' } | { readonly type: 'fenced' } | { readonly type: 'retry_later' };

const STORED: CommitOutcome = { type: 'stored' };
const FENCED: CommitOutcome = { type: 'fenced' };
const RETRY_LATER: CommitOutcome = { type: 'retry_later' };

export interface CommitOptions {
  stream: string;
  hold: Hold;
  handlers: ReadonlyMap<string, KindHandler>;
  writer: BatchInserter;
  readBack: ReadBack;
  effects: ResultEffects;
  stats: PipelineStats;
  /** How often a rejected batch may be halved to isolate its bad messages. */
  isolationMaxDepth: number;
  log: Logger;
  signal: AbortSignal;
}

/**
 * The one ordered commit step of a partition's batch: its dead letters are confirmed, its rows
 * inserted through the journal (a batch ClickHouse rejects has its bad messages isolated and
 * dead-lettered, the rest stored). It returns what that came to; acking is the run's.
 */
export class BatchCommitter {
  constructor(private readonly o: CommitOptions) {}

  async commit(batch: PartitionBatch): Promise<CommitOutcome> {
    const { hold } = this.o;
    if (hold.fenced || hold.isEarlier(batch.epoch)) return RETRY_LATER;
    const dead = await Promise.all(batch.deadLetters);
    // Stopped before the dead letters were stored: leave the batch unacked.
    if (dead.includes(false)) return RETRY_LATER;
    const tables = batch.insertTables();
    if (tables.length > 0) {
      // From the first message routed, not the first taken: a re-formed commit reads this range back
      // and stores every message in it (see PartitionBatch.routedFrom).
      const token = batchToken(this.o.stream, hold.partition, batch.routedFrom, batch.lastSeq);
      const outcome = await this.o.writer.insert(
        { token, tables, member: [hold.partition, batch.routedFrom, batch.lastSeq], epoch: batch.epoch },
        this.o.signal,
      );
      // A batch of an earlier hold, answered after this worker took the partition again: its outcome
      // says nothing of the current hold, which must not be fenced (or taken again) for it.
      if (!outcome.ok && hold.isEarlier(batch.epoch)) return RETRY_LATER;
      // The partition went to another worker, which stores these messages itself.
      if (!outcome.ok && outcome.reason === 'fenced') {
        hold.fenced = true;
        this.o.log.warn(
          { firstSeq: batch.firstSeq, lastSeq: batch.lastSeq },
          'a partition of this commit has another owner now; leaving its batches to the journal',
        );
        return FENCED;
      }
      if (!outcome.ok && outcome.reason === 'aborted') return RETRY_LATER;
      if (!outcome.ok && !(await this.isolate(batch, token, outcome))) return RETRY_LATER;
    }
    hold.stored(batch.lastSeq);
    return STORED;
  }

  /**
   * ClickHouse rejected the batch: stores what it accepts, dead-letters the messages it rejects
   * (insert_rejected, with the server's reason). False when that could not finish (stopped).
   */
  private async isolate(batch: PartitionBatch, token: string, outcome: Extract<InsertOutcome, { reason: 'rejected' }>): Promise<boolean> {
    this.o.log.warn(
      { errorClass: outcome.errorClass, err: outcome.message, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq },
      'ClickHouse rejected a batch; isolating the messages it rejects',
    );
    this.o.stats.insertRejected(outcome.errorClass);
    const messages = new Map<number, ReadBackMessage & RoutedMessage>();
    for await (const stored of this.o.readBack(this.o.hold.partition, batch.routedFrom, batch.lastSeq)) {
      const message = routedFromStored(stored);
      if (message.kind === undefined || message.key === undefined || batch.deadLetteredSeqs.has(stored.seq)) continue;
      messages.set(stored.seq, { ...message, kind: message.kind, key: message.key });
    }
    const rejectedTable = batch.insertTables().find((t) => t.rows.length > 0 && !outcome.landed.includes(t.table))?.table;
    const isolation = await isolateRejected({
      batch,
      token,
      landed: outcome.landed,
      rejectedTable,
      rejectedDetail: outcome.message,
      messages,
      handlers: this.o.handlers,
      insert: (piece) => this.o.writer.insertPart(piece, this.o.signal),
      maxDepth: this.o.isolationMaxDepth,
    });
    this.o.stats.isolationInserts(isolation.inserts);
    if (isolation.aborted) return false;
    const published: Promise<boolean>[] = [];
    const resultOf = new Map(batch.handledSeqs.map((seq, i) => [seq, i]));
    for (const [seq, { detail, tableIndex }] of isolation.rejected) {
      const i = resultOf.get(seq)!;
      // Rows of the message in tables stored before the one that rejected it stay; the others were not stored.
      const unstored: string[] = [];
      for (const [t, table] of isolation.tables.entries()) {
        const raw = t < tableIndex ? undefined : batch.tables.get(table);
        for (const [r, s] of raw?.seqs.entries() ?? []) if (s === seq) unstored.push(raw!.reasons[r]!);
      }
      published.push(
        this.o.effects.insertRejected(batch, {
          seq,
          kind: batch.handledKinds[i]!,
          result: batch.handledResults[i]!,
          message: messages.get(seq),
          detail,
          unstored,
        }),
      );
    }
    this.o.stats.isolatedMessages(isolation.rejected.size);
    return !(await Promise.all(published)).includes(false);
  }
}
