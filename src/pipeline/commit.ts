import type { JetStreamManager } from '@nats-io/jetstream';
import type { KindHandler } from '../kinds/kind.js';
import type { BatchInserter } from '../sinks/clickhouse/group-commit.js';
import type { InsertOutcome } from '../sinks/clickhouse/writer.js';
import type { DeadLetterPublisher } from '../sinks/dead-letter/dead-letter-publisher.js';
import { backoffDelay, sleep } from '../util/timing.js';
import { readPartitionRange } from '../sources/jetstream/read-back.js';
import { parseStoredSubject } from '../contract/stored-subject.js';
import type { Logger } from '../telemetry/logger.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';
import { isolateRejected, type ReadBackMessage } from './isolate-rejected.js';
import type { PartitionBatch } from './partition-batch.js';
import { batchToken } from '../journal/entry.js';

export interface CommitOptions {
  jsm: JetStreamManager;
  stream: string;
  /** The partition's filter subject, to read a batch back from the stream. */
  filter: string;
  partition: number;
  handlers: ReadonlyMap<string, KindHandler>;
  writer: BatchInserter;
  deadLetters: DeadLetterPublisher;
  stats: PipelineStats;
  /** How often a rejected batch may be halved to isolate its bad messages. */
  isolationMaxDepth: number;
  kindLabel(kind: string): string;
  /**
   * A commit came back fenced. When another member of its group was lost, this partition may still
   * be held, its batch in a commit the other member's new owner re-forms: it must be taken again.
   */
  onFenced(): void;
  log: Logger;
  signal: AbortSignal;
}

/**
 * The one ordered commit step of a partition's batch: its dead letters are confirmed, its rows
 * inserted (a batch ClickHouse rejects has its bad messages isolated and dead-lettered, the rest
 * stored), and only then is its last message acked, acknowledging the whole batch.
 */
export class BatchCommitter {
  /** Acks sent whose confirmation has not come back yet. */
  readonly acking = new Set<Promise<void>>();
  /**
   * Another worker took the partition: nothing more is inserted or acked here (an AckAll of a later
   * batch would acknowledge the fenced one's messages, which the new owner stores).
   */
  private fenced = false;
  /** The current hold's journal epoch: batches of an earlier hold are given up unacked (see PartitionPipeline.newStint). */
  private stint = 0;
  /** Highest sequence whose batch is stored (its ack may have failed): a redelivery up to it only needs an ack. */
  storedThrough = 0;

  constructor(private readonly o: CommitOptions) {}

  /** A new hold on the partition: its batches are committed again, earlier ones never. */
  newStint(stint: number): void {
    this.stint = stint;
    this.fenced = false;
  }

  /** Resolves once the batch is stored (its ack may still be on its way) or given up unacked. */
  async commit(batch: PartitionBatch): Promise<void> {
    if (this.fenced || batch.stint < this.stint) return this.o.stats.abandoned(batch.messages);
    const dead = await Promise.all(batch.deadLetters);
    // Stopped before the dead letters were stored: leave the batch unacked.
    if (dead.includes(false)) return this.o.stats.abandoned(batch.messages);
    const tables = batch.insertTables();
    if (tables.length > 0) {
      // From the first message routed, not the first taken: a re-formed commit reads this range back
      // and stores every message in it (see PartitionBatch.routedFrom).
      const token = batchToken(this.o.stream, this.o.partition, batch.routedFrom, batch.lastSeq);
      const outcome = await this.o.writer.insert({ token, tables, member: [this.o.partition, batch.routedFrom, batch.lastSeq], epoch: batch.stint }, this.o.signal);
      // A batch of an earlier hold, answered after this worker took the partition again: its outcome
      // says nothing of the current hold, which must not be fenced (or taken again) for it.
      if (!outcome.ok && batch.stint < this.stint) return this.o.stats.abandoned(batch.messages);
      // Stopped, or the partition went to another worker, which stores these messages itself.
      if (!outcome.ok && outcome.reason === 'fenced') {
        this.fenced = true;
        this.o.log.warn({ firstSeq: batch.firstSeq, lastSeq: batch.lastSeq }, 'a partition of this commit has another owner now; leaving its batches to the journal');
        this.o.onFenced();
      }
      if (!outcome.ok && (outcome.reason === 'aborted' || outcome.reason === 'fenced')) return this.o.stats.abandoned(batch.messages);
      if (!outcome.ok && !(await this.isolate(batch, token, outcome))) return this.o.stats.abandoned(batch.messages);
    }
    this.storedThrough = Math.max(this.storedThrough, batch.lastSeq);
    // The next batch's insert need not wait for this ack's confirmation, which comes back behind
    // all the read-ahead the server has queued for this connection (at a backlog ClickHouse would
    // sit idle between inserts). AckAll is cumulative, so a later batch's ack arriving first is harmless.
    const acked = this.ack(batch).then((ok) => {
      if (ok) this.o.stats.committed(batch.tally, batch, this.o.partition);
      else this.o.stats.abandoned(batch.messages);
      this.acking.delete(acked);
    });
    this.acking.add(acked);
  }

  /**
   * ClickHouse rejected the batch: stores what it accepts, dead-letters the messages it rejects
   * (insert_rejected, with the server's reason). False when that could not finish (stopped).
   */
  private async isolate(batch: PartitionBatch, token: string, outcome: Extract<InsertOutcome, { reason: 'rejected' }>): Promise<boolean> {
    this.o.log.warn({ errorClass: outcome.errorClass, err: outcome.message, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq }, 'ClickHouse rejected a batch; isolating the messages it rejects');
    this.o.stats.insertRejected(outcome.errorClass);
    const messages = new Map<number, ReadBackMessage>();
    for await (const stored of readPartitionRange(this.o.jsm, this.o.stream, this.o.filter, batch.routedFrom, batch.lastSeq)) {
      const parsed = parseStoredSubject(stored.subject);
      if (!parsed || batch.deadLetteredSeqs.has(stored.seq)) continue;
      messages.set(stored.seq, { kind: parsed.kind, subject: stored.subject, key: parsed.key, data: stored.data, seq: stored.seq, arrivalMs: () => stored.timestampMs, msgId: () => stored.msgId });
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
      const message = messages.get(seq);
      const i = resultOf.get(seq)!;
      const kind = batch.handledKinds[i]!;
      batch.tally.rejectMessage(this.o.kindLabel(kind), batch.handledResults[i]!);
      if (!message) {
        this.o.log.error({ seq }, 'a message ClickHouse rejected is no longer in the stream and cannot be dead-lettered');
        continue;
      }
      const source = { subject: message.subject, seq, data: message.data, timestampMs: message.arrivalMs(), msgId: message.msgId?.() };
      published.push(this.o.deadLetters.publish(kind, source, 'insert_rejected', detail));
      // Rows of the message in tables stored before the one that rejected it stay; the others were not stored.
      for (const [t, table] of isolation.tables.entries()) {
        if (t < tableIndex) continue;
        const raw = batch.tables.get(table);
        if (!raw) continue;
        for (const [r, s] of raw.seqs.entries()) if (s === seq) batch.tally.unstoreRows(this.o.kindLabel(kind), raw.reasons[r]!, 1);
      }
    }
    this.o.stats.isolatedMessages(isolation.rejected.size);
    return !(await Promise.all(published)).includes(false);
  }

  /** AckAll on the batch's last message; true once the server confirmed it. */
  private async ack(batch: PartitionBatch): Promise<boolean> {
    const last = batch.last!;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        if (await last.ackAck({ timeout: 5_000 })) return true;
      } catch (error) {
        this.o.log.warn({ err: (error as Error).message, attempt: attempt + 1 }, 'ack failed, retrying');
      }
      await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 2_000 }), this.o.signal);
    }
    // The rows are stored; the server will redeliver and the repeat is stored again unless deduplicated.
    this.o.log.error({ firstSeq: batch.firstSeq, lastSeq: batch.lastSeq }, 'could not ack a stored batch; it will be redelivered');
    return false;
  }
}
