import type { Consumer, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, MsgRequest } from '@nats-io/jetstream';
import { BatchPolicy } from '../../batch/batch-policy.js';
import type { KindHandler } from '../../kinds/kind-handler.js';
import { PartitionBatch } from '../../pipeline/partition-batch.js';
import { consumeSlice } from '../../pipeline/event-loop-slice.js';
import type { DeadLetterReason } from '../../pipeline/result.js';
import type { DeadLetterPublisher, DeadLetterSource } from '../../sinks/dead-letter/dead-letter-publisher.js';
import type { BatchInserter } from '../../sinks/clickhouse/group-commit.js';
import { backoffDelay, sleep } from '../../sinks/clickhouse/retry.js';
import type { Logger } from '../../telemetry/logger.js';
import type { PipelineStats } from '../../telemetry/pipeline-stats.js';
import { parseStoredSubject } from './subjects.js';
import { checkKey } from '../../contract/subject-key.js';
import { consumeWithPullLimits, type PullLimits } from './pull-limits.js';

export interface PartitionConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  consumer: string;
  /** The consumer's filter subject, to look for messages a previous owner left unacked. */
  filter: string;
  ackWaitMs: number;
  /** What the partition's pulls keep requested ahead of processing. */
  pull: PullLimits;
  group: string;
  partition: number;
  policy: BatchPolicy;
  maxMsgBytes: number;
  handlers: Map<string, KindHandler>;
  writer: BatchInserter;
  deadLetters: DeadLetterPublisher;
  stats: PipelineStats;
  logger: Logger;
  /** Aborts retries at a hard stop: unfinished batches then stay unacked and are redelivered. */
  signal: AbortSignal;
}

/** How long one pull request stays open at the server. */
export const PULL_EXPIRES_MS = 5_000;

/** JetStream arrival time of a message in epoch ms (parsed from its reply subject). */
const arrivalMs = (msg: JsMsg): number => Math.floor(msg.info.timestampNanos / 1_000_000);

/** The message as the dead-letter publisher republishes it. */
const deadLetterSource = (msg: JsMsg, seq: number): DeadLetterSource => ({ subject: msg.subject, seq, data: msg.data, timestampMs: arrivalMs(msg) });

/**
 * Owns one partition: pulls its messages in the pinned priority group, hands each to its kind,
 * batches the rows, and acks a batch (one AckAll on its last message) only after ClickHouse has
 * its rows and every dead letter it caused is in the dead-letter stream. One batch is written
 * while the next fills; a full batch waits for the write before it, which is the backpressure.
 */
export class PartitionConsumer {
  private batch = new PartitionBatch();
  private writing: Promise<void> = Promise.resolve();
  private pendingWrites = 0;
  /** Acks sent whose confirmation has not come back yet. */
  private readonly acking = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  /** The batch is due by age and waits for the inserter to be free (see flushWhenFree). */
  private due = false;
  /** Messages of this partition still in the stream after the last one taken, as the server said. */
  private backlog = 0;
  private highestSeq = 0;
  private messages: ConsumerMessages | undefined;
  private stopping = false;
  /** Whether the server has this worker pinned for the partition (so releasing it should unpin). */
  pinned = false;
  /** Set when this worker (again) becomes the partition's pinned client: check for a gap first. */
  private sessionStarts = true;
  private loop: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: PartitionConsumerOptions) {
    this.log = o.logger.child({ partition: o.partition });
  }

  /** True when nothing is buffered or being written: every message taken is acked. */
  get idle(): boolean {
    return this.batch.isEmpty && this.pendingWrites === 0 && this.acking.size === 0;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops pulling, then flushes and acks what was taken. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop();
    await this.loop;
    this.flush();
    await this.writing;
    await Promise.all(this.acking);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      try {
        const consumer: Consumer = await this.o.js.consumers.get(this.o.stream, this.o.consumer);
        // Read-ahead bounded in bytes as well as messages: with many partitions, a count bound alone let
        // the server's buffer for this connection pass its max_pending, and the server dropped the
        // worker as a slow consumer.
        const { messages, fixedSize } = await consumeWithPullLimits(consumer, this.o.pull, { group: this.o.group, expires: PULL_EXPIRES_MS });
        this.messages = messages;
        if (!fixedSize) this.log.debug('this NATS client takes no message bound with a byte bound: pulls ask for 100 messages');
        if (this.stopping) this.messages.stop();
        void this.watchStatus(this.messages);
        attempt = 0;
        this.sessionStarts = true;
        for await (const msg of this.messages) {
          if (this.sessionStarts) {
            this.sessionStarts = false;
            if (await this.previousOwnerLeftGap(msg)) {
              await this.rewindToAckFloor(this.messages);
              break;
            }
          }
          this.accept(msg);
          const turn = consumeSlice.due();
          if (turn) await turn;
          if (this.o.policy.isFull(this.batch)) {
            await this.writing;
            this.flush();
          } else if (this.pendingWrites > 1) {
            // Batches are queuing behind a slow or failing insert: stop pulling until they land, so
            // a ClickHouse outage holds at most a few batches per partition in memory.
            await this.writing;
          }
        }
      } catch (error) {
        if (this.stopping) break;
        const delay = backoffDelay(attempt++, { initialMs: 500, maxMs: 15_000 });
        this.log.warn({ err: (error as Error).message, delayMs: delay }, 'consume failed, retrying');
        await sleep(delay, this.o.signal);
      }
    }
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type === 'consumer_pinned' || status.type === 'consumer_unpinned') {
        this.log[status.type === 'consumer_pinned' ? 'debug' : 'info']({ status: status.type }, 'partition pin changed');
        this.pinned = status.type === 'consumer_pinned';
        if (this.pinned) this.sessionStarts = true;
        // Another worker may have handled our devices meanwhile: start their filter state afresh.
        if (status.type === 'consumer_unpinned') for (const h of this.o.handlers.values()) h.reset();
      } else if (status.type === 'heartbeats_missed' || status.type === 'consumer_not_found' || status.type === 'stream_not_found') {
        this.log.warn({ status }, 'consumer status');
      }
    }
  }

  /**
   * AckAll acknowledges every message up to the one acked. When this worker takes a partition
   * over, the server sends it new messages at once but the previous owner's unacked ones only
   * after ack_wait, so acking the new ones would acknowledge messages nobody stored. There is such
   * a gap when a stored message of this partition lies between the ack floor and the first
   * message this session received, and this worker never took it: messages it took itself (the
   * server re-pins the same worker after a restart) are in its batches, which its acks cover.
   */
  private async previousOwnerLeftGap(first: JsMsg): Promise<boolean> {
    const info = await this.o.jsm.consumers.info(this.o.stream, this.o.consumer);
    const floor = Math.max(info.ack_floor.stream_seq, this.highestSeq);
    if (first.seq <= floor + 1) return false;
    // The server's MSG.GET takes next_by_subj (first message at or after seq on the subject); the
    // client types name it only for direct gets, which need allow_direct on the stream.
    const request = { seq: floor + 1, next_by_subj: this.o.filter } as unknown as MsgRequest;
    const next = await this.o.jsm.streams.getMessage(this.o.stream, request);
    return next !== null && next.seq < first.seq;
  }

  /** Makes the server deliver again from the ack floor, in order; then a new session starts. */
  private async rewindToAckFloor(messages: ConsumerMessages): Promise<void> {
    messages.stop();
    try {
      const reset = await this.o.jsm.consumers.reset(this.o.stream, this.o.consumer);
      this.log.info({ resetSeq: reset.reset_seq }, 'took over a partition with unacked messages: rewound it to its ack floor');
    } catch (error) {
      // Servers before 2.14 cannot reset a consumer: the unacked messages come back after ack_wait.
      this.log.info({ err: (error as Error).message, waitMs: this.o.ackWaitMs }, 'took over a partition with unacked messages: waiting for their redelivery');
      await sleep(this.o.ackWaitMs, this.o.signal);
    }
  }

  private accept(msg: JsMsg): void {
    const seq = msg.seq;
    // A redelivery of a message already in an unacked batch (e.g. during a long insert retry).
    if (seq <= this.highestSeq) return;
    this.highestSeq = seq;
    this.backlog = msg.info.pending;
    const batch = this.batch;
    if (batch.isEmpty) this.armTimer();
    batch.track(msg, seq);

    const parsed = parseStoredSubject(msg.subject);
    this.o.stats.messageReceived(this.kindLabel(parsed?.kind));
    if (!parsed) return this.deadLetter(batch, '_invalid', msg, seq, 'bad_subject', `subject "${msg.subject}" is not <prefix>.<kind>.<partition>.<key>`);
    const badKey = checkKey(parsed.key);
    if (badKey !== undefined) return this.deadLetter(batch, parsed.kind, msg, seq, 'bad_key', badKey);
    if (msg.data.length > this.o.maxMsgBytes) {
      return this.deadLetter(batch, parsed.kind, msg, seq, 'oversize', `body is ${msg.data.length} bytes, the limit is ${this.o.maxMsgBytes}`);
    }
    const handler = this.o.handlers.get(parsed.kind);
    if (!handler) {
      const known = [...this.o.handlers.keys()].join(', ');
      return this.deadLetter(batch, parsed.kind, msg, seq, 'unknown_kind', `no handler for kind "${parsed.kind}" (known: ${known})`);
    }
    const result = handler.accept({ key: parsed.key, data: msg.data, seq, arrivalMs: () => arrivalMs(msg) }, batch);
    if (!result.ok) this.deadLetter(batch, parsed.kind, msg, seq, result.reason, result.detail);
  }

  /** The kind as a metric label: known kinds by name, anything else as "unknown" (subjects are input). */
  private kindLabel(kind: string | undefined): string {
    return kind !== undefined && this.o.handlers.has(kind) ? kind : 'unknown';
  }

  private deadLetter(batch: PartitionBatch, kind: string, msg: JsMsg, seq: number, reason: DeadLetterReason, detail: string): void {
    batch.tally.deadLetter(this.kindLabel(kind), reason);
    batch.deadLetteredSeqs.add(seq);
    batch.deadLetters.push(this.o.deadLetters.publish(kind, deadLetterSource(msg, seq), reason, detail));
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onBatchAge(), this.o.policy.untilNextCut(Date.now()));
  }

  /**
   * The batch reached its maximum wait. Behind a backlog (the stream already holds enough of this
   * partition to fill it) the wait bounds nothing: those messages wait in the stream instead. The
   * batch is then left to fill and be cut by size: fewer, larger inserts, whose rollup partials
   * each fold more readings. Measured at a million-message backlog: 35 -> 38 k msg/s, worker CPU
   * 40 -> 32 s. Cutting whenever the inserter was free instead made more, smaller inserts (33 k).
   */
  private onBatchAge(): void {
    if (this.o.policy.fillsFromBacklog(this.batch, this.backlog)) return this.armTimer();
    this.flushWhenFree();
  }

  /**
   * Cuts a batch due by age once no insert is under way (see BatchInserter.whenFree). Measured at
   * a backlog, cutting at once made a third of all inserts batches of a single message.
   */
  private flushWhenFree(): void {
    if (this.due) return;
    this.due = true;
    this.o.writer.whenFree(() => {
      if (this.due) this.flush();
    });
  }

  /** Cuts the current batch and queues its write behind the one before it. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    if (this.batch.isEmpty) return;
    const batch = this.batch;
    this.batch = new PartitionBatch();
    this.pendingWrites++;
    this.writing = this.writing.then(() =>
      this.write(batch)
        .catch((error: unknown) => this.log.error({ err: (error as Error).message }, 'batch write failed; its messages stay unacked'))
        .finally(() => this.pendingWrites--),
    );
  }

  private async write(batch: PartitionBatch): Promise<void> {
    const dead = await Promise.all(batch.deadLetters);
    // Stopped before the dead letters were stored: leave the batch unacked.
    if (dead.includes(false)) return this.o.stats.abandoned(batch.messages);
    const tables = batch.insertTables();
    if (tables.length > 0) {
      const token = `${this.o.stream}:${this.o.partition}:${batch.firstSeq}-${batch.lastSeq}`;
      const outcome = await this.o.writer.insert({ token, tables }, this.o.signal);
      if (!outcome.ok && outcome.reason === 'aborted') return this.o.stats.abandoned(batch.messages);
      if (!outcome.ok) {
        this.log.error({ errorClass: outcome.errorClass, err: outcome.message }, 'ClickHouse rejected a batch as bad data; dead-lettering it');
        this.o.stats.insertRejected(outcome.errorClass);
        const kinds = await this.deadLetterRejected(batch, outcome.message);
        if (!kinds) return this.o.stats.abandoned(batch.messages);
        batch.tally.rejectAll(kinds.map((k) => this.kindLabel(k)));
      }
    }
    // The next batch's insert need not wait for this ack's confirmation, which comes back behind
    // all the read-ahead the server has queued for this connection (measured: 0.5-0.9 s at a
    // backlog, which left ClickHouse idle between inserts). AckAll is cumulative, so a later
    // batch's ack arriving first is harmless.
    const acked = this.ack(batch).then((ok) => {
      if (ok) this.o.stats.committed(batch.tally, batch, this.o.partition);
      else this.o.stats.abandoned(batch.messages);
      this.acking.delete(acked);
    });
    this.acking.add(acked);
  }

  /**
   * Dead-letters every message of a batch ClickHouse rejected as bad data (but those already
   * dead-lettered), read back from the stream: the partition's messages from the batch's first to
   * its last sequence are exactly the batch. Returns their kinds, or undefined when one could not
   * be stored (the batch then stays unacked).
   */
  private async deadLetterRejected(batch: PartitionBatch, reason: string): Promise<string[] | undefined> {
    const kinds: string[] = [];
    const published: Promise<boolean>[] = [];
    for (let seq = batch.firstSeq; seq <= batch.lastSeq; ) {
      const request = { seq, next_by_subj: this.o.filter } as unknown as MsgRequest;
      const stored = await this.o.jsm.streams.getMessage(this.o.stream, request);
      if (stored === null || stored.seq > batch.lastSeq) break;
      seq = stored.seq + 1;
      if (batch.deadLetteredSeqs.has(stored.seq)) continue;
      const kind = parseStoredSubject(stored.subject)?.kind ?? '_invalid';
      kinds.push(kind);
      const source = { subject: stored.subject, seq: stored.seq, data: stored.data, timestampMs: stored.time.getTime() };
      published.push(this.o.deadLetters.publish(kind, source, 'insert_rejected', reason));
    }
    const missing = batch.messages - batch.deadLetteredSeqs.size - kinds.length;
    if (missing > 0) this.log.error({ missing, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq }, 'messages of a rejected batch are no longer in the stream and cannot be dead-lettered');
    return (await Promise.all(published)).includes(false) ? undefined : kinds;
  }

  /** AckAll on the batch's last message; true once the server confirmed it. */
  private async ack(batch: PartitionBatch): Promise<boolean> {
    const last = batch.last!;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        if (await last.ackAck({ timeout: 5_000 })) return true;
      } catch (error) {
        this.log.warn({ err: (error as Error).message, attempt: attempt + 1 }, 'ack failed, retrying');
      }
      await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 2_000 }), this.o.signal);
    }
    // The rows are stored; the server will redeliver and the repeat is stored again unless deduplicated.
    this.log.error({ firstSeq: batch.firstSeq, lastSeq: batch.lastSeq }, 'could not ack a stored batch; it will be redelivered');
    return false;
  }

  /** Devices (keys) whose state this partition holds. */
  get trackedKeys(): number {
    let n = 0;
    for (const h of this.o.handlers.values()) n += h.trackedKeys;
    return n;
  }
}
