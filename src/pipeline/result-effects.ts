import type { DeadLetterSource } from '../sinks/dead-letter/dead-letter-publisher.js';
import type { Logger } from '../telemetry/logger.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';
import { backoffDelay, sleep } from '../util/timing.js';
import type { PartitionBatch } from './partition-batch.js';
import { ALREADY_STORED, type DeadLetterReason, type MessageResult } from './result.js';
import type { DeadLetterSink, RoutedMessage } from './router.js';

/** Where dead letters go (the dead-letter publisher): true once the stream stored one. */
export interface DeadLetterPublish {
  publish(kind: string, source: DeadLetterSource, reason: string, detail: string): Promise<boolean>;
}

export interface ResultEffectsOptions {
  deadLetters: DeadLetterPublish;
  /** Counted here when given (the worker's); a backfill keeps its own summary. */
  stats?: PipelineStats;
  /** The kind as a metric label (anything Sift does not know as "unknown": subjects are input). */
  kindLabel(kind: string | undefined): string;
  log: Logger;
  signal?: AbortSignal;
}

/** A message ClickHouse rejected while its batch was isolated, with what it had come to. */
export interface RejectedMessage {
  seq: number;
  kind: string;
  result: MessageResult;
  /** The message as read back from the stream; undefined when the stream no longer holds it. */
  message: RoutedMessage | undefined;
  detail: string;
  /** Reasons of its rows in the tables not stored (those the rejecting table and after). */
  unstored: readonly string[];
}

const sourceOf = (message: RoutedMessage): DeadLetterSource => ({
  subject: message.subject,
  seq: message.seq,
  data: message.data,
  timestampMs: message.arrivalMs(),
  msgId: message.msgId?.(),
});

/**
 * The one place results become side effects: dead letters published, drops and counts tallied,
 * a stored batch acked. The router, the commit, recovery, the backfill and the unpartitioned sweep
 * all say what a message came to here and do none of it themselves.
 */
export class ResultEffects implements DeadLetterSink {
  constructor(private readonly o: ResultEffectsOptions) {}

  kindLabel(kind: string | undefined): string {
    return this.o.kindLabel(kind);
  }

  /** A message of a batch goes to the dead-letter stream; the batch is acked only once that is stored. */
  deadLetter(batch: PartitionBatch, kind: string, message: RoutedMessage, reason: DeadLetterReason, detail: string): void {
    batch.tally.deadLetter(this.o.kindLabel(kind), reason);
    batch.deadLetteredSeqs.add(message.seq);
    batch.deadLetters.push(this.o.deadLetters.publish(kind, sourceOf(message), reason, detail));
  }

  /** A message taken again whose rows are stored already (a previous owner's, not acked): received, dropped, acked with the batch. */
  alreadyStored(batch: PartitionBatch, kind: string | undefined): void {
    const label = this.o.kindLabel(kind);
    this.o.stats?.messageReceived(label);
    batch.tally.drop(label, ALREADY_STORED);
  }

  /** A message ClickHouse rejected: dead-lettered as insert_rejected, its unstored rows taken out of the tally. Resolves false when the dead letter could not be stored. */
  insertRejected(batch: PartitionBatch, rejected: RejectedMessage): Promise<boolean> {
    const label = this.o.kindLabel(rejected.kind);
    batch.tally.rejectMessage(label, rejected.result);
    if (!rejected.message) {
      this.o.log.error({ seq: rejected.seq }, 'a message ClickHouse rejected is no longer in the stream and cannot be dead-lettered');
      return Promise.resolve(true);
    }
    const published = this.o.deadLetters.publish(rejected.kind, sourceOf(rejected.message), 'insert_rejected', rejected.detail);
    for (const reason of rejected.unstored) batch.tally.unstoreRows(label, reason, 1);
    return published;
  }

  /** A message no partition reads (see UnpartitionedSweep), dead-lettered on its own and counted once stored. */
  async deadLetterAlone(kind: string, source: DeadLetterSource, reason: DeadLetterReason, detail: string): Promise<boolean> {
    if (!(await this.o.deadLetters.publish(kind, source, reason, detail))) return false;
    this.o.stats?.deadLetteredAlone(this.o.kindLabel(kind), reason);
    return true;
  }

  /** A batch given up unacked (stopped, fenced, of an earlier hold): its messages are delivered again. */
  abandoned(batch: PartitionBatch): void {
    this.o.stats?.abandoned(batch.messages);
  }

  /** AckAll on a stored batch's last message, counted once the server confirmed it; false when it never did. */
  async ack(batch: PartitionBatch, partition: number): Promise<boolean> {
    const last = batch.last!;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        if (await last.ackAck({ timeout: 5_000 })) {
          this.o.stats?.committed(batch.tally, batch, partition);
          return true;
        }
      } catch (error) {
        this.o.log.warn({ err: (error as Error).message, attempt: attempt + 1 }, 'ack failed, retrying');
      }
      await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 2_000 }), this.o.signal);
    }
    // The rows are stored; the server will redeliver and the repeat is stored again unless deduplicated.
    this.o.log.error({ firstSeq: batch.firstSeq, lastSeq: batch.lastSeq }, 'could not ack a stored batch; it will be redelivered');
    this.abandoned(batch);
    return false;
  }
}
