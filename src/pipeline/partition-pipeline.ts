import type { JsMsg } from '@nats-io/jetstream';
import type { BatchPolicy } from '../batch/batch-policy.js';
import type { KindHandler } from '../kinds/kind.js';
import type { BatchInserter } from '../sinks/clickhouse/group-commit.js';
import type { DeadLetterPublisher, DeadLetterSource } from '../sinks/dead-letter/dead-letter-publisher.js';
import { deliveryOf, type AckSubjectFields } from '../sources/jetstream/ack-subject.js';
import type { MessageSink } from '../sources/jetstream/partition-source.js';
import type { Logger } from '../telemetry/logger.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';
import type { BatchCommitter } from './commit.js';
import { consumeSlice } from './event-loop-slice.js';
import type { FillTurns } from './fill-turns.js';
import { PartitionBatch } from './partition-batch.js';
import { ALREADY_STORED, type DeadLetterReason } from './result.js';
import { Router, type DeadLetterSink, type RoutedMessage } from './router.js';

export interface PartitionPipelineOptions {
  partition: number;
  policy: BatchPolicy;
  handlers: ReadonlyMap<string, KindHandler>;
  maxMsgBytes: number;
  writer: BatchInserter;
  deadLetters: DeadLetterPublisher;
  stats: PipelineStats;
  log: Logger;
  /** Takes the partition over when a pinned session begins (journal entry, recovery, skip point). */
  takeOver(pipeline: PartitionPipeline): Promise<void>;
  /** Builds the commit step once the router exists (it labels kinds for metrics). */
  committer(kindLabel: (kind: string) => string): BatchCommitter;
  /** Turns to fill a batch from a backlog, shared with the worker's other partitions. */
  fillTurns?: FillTurns;
}

/**
 * One partition's messages from source to commit: routes each to its kind, builds batches, cuts
 * them by size or on the shared max-wait grid, and commits them one after another. One batch is
 * committed while the next fills; a full batch waits for the commit before it, which is the
 * backpressure on the source.
 */
export class PartitionPipeline implements MessageSink, DeadLetterSink {
  /** The journal epoch of this worker's current hold on the partition: a batch of an earlier hold is never committed. */
  private stint = 0;
  private batch = new PartitionBatch(this.stint);
  private committing: Promise<void> = Promise.resolve();
  private pendingCommits = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The batch is due by age and waits for the inserter to be free (see flushWhenFree). */
  private due = false;
  /** Messages of this partition still in the stream after the last one taken, as the server said. */
  private backlog = 0;
  /** The current batch fills from a backlog on one of the worker's fill turns, given back when it is cut. */
  private hasTurn = false;
  /** The batch's size at the last max-wait tick it was left to fill: one that stopped growing gives its turn back. */
  private sizeAtLastTick = -1;
  highestTaken = 0;
  /**
   * Messages up to this sequence are in ClickHouse already (the journal says so): a previous owner
   * stored them but died before its ack. They are acked with the next batch, not stored again.
   */
  skipThrough = 0;
  private readonly router: Router;
  private readonly commitStep: BatchCommitter;

  constructor(private readonly o: PartitionPipelineOptions) {
    this.router = new Router(o.handlers, o.maxMsgBytes, this);
    this.commitStep = o.committer((kind) => this.router.kindLabel(kind));
  }

  /** True when nothing is buffered or being committed: every message taken is acked. */
  get idle(): boolean {
    return this.batch.isEmpty && this.pendingCommits === 0 && this.commitStep.acking.size === 0;
  }

  /** Devices (keys) whose state this partition holds. */
  get trackedKeys(): number {
    let n = 0;
    for (const h of this.o.handlers.values()) n += h.trackedKeys;
    return n;
  }

  take(msg: JsMsg): Promise<void> | undefined {
    // Sequence, backlog and arrival time (JetStream's store time) read without the client's split.
    const delivery = deliveryOf(msg);
    const seq = delivery.streamSequence;
    if (seq <= this.highestTaken) {
      // A redelivery of a stored message whose batch's ack was lost: ack it again (AckAll covers
      // the batch), or nothing would ever ack it at the end of a stream.
      if (seq <= this.commitStep.storedThrough) msg.ack();
      // Otherwise it is in a batch not yet committed (e.g. during a long insert retry).
      return undefined;
    }
    // A batch that will fill from a backlog waits for one of the worker's fill turns (see FillTurns);
    // so does one that gave its turn back while it stalled, when it fills again.
    const turns = this.o.fillTurns;
    if (turns && !this.hasTurn && this.o.policy.fillsFromBacklog(this.batch, delivery.pending)) {
      const wait = turns.take();
      if (wait) {
        this.o.stats.fillTurnWaits++;
        return wait.then(() => {
          this.hasTurn = true;
          return this.accept(msg, seq, delivery);
        });
      }
      this.hasTurn = true;
    }
    return this.accept(msg, seq, delivery);
  }

  /** Takes a message into the current batch; resolves when the partition may take the next. */
  private accept(msg: JsMsg, seq: number, delivery: AckSubjectFields): Promise<void> | undefined {
    this.highestTaken = seq;
    this.backlog = delivery.pending;
    const batch = this.batch;
    if (batch.isEmpty) this.armTimer();
    // Read once: the client makes a new view of the body at every read of msg.data.
    const data = msg.data;
    const alreadyStored = seq <= this.skipThrough;
    batch.track(msg, seq, data.length, alreadyStored);
    if (alreadyStored) {
      if (this.o.log.isLevelEnabled('debug')) this.o.log.debug({ seq, skipThrough: this.skipThrough }, 'skip: already stored');
      const kind = this.router.kindLabel(kindToken(msg.subject));
      this.o.stats.messageReceived(kind);
      batch.tally.drop(kind, ALREADY_STORED);
      return this.o.policy.isFull(batch) ? this.afterFull(undefined) : undefined;
    }
    this.o.stats.messageReceived(this.router.route(new TakenMessage(msg, data, seq, delivery.timestampMs), batch));
    const turn = consumeSlice.due();
    if (this.o.policy.isFull(this.batch)) return this.afterFull(turn);
    // Batches are queuing behind a slow or failing insert: stop pulling until they land, so a
    // ClickHouse outage holds at most a few batches per partition in memory.
    if (this.pendingCommits > 1) return turn ? turn.then(() => this.committing) : this.committing;
    return turn;
  }

  private async afterFull(turn: Promise<void> | undefined): Promise<void> {
    if (turn) await turn;
    await this.committing;
    this.flush();
  }

  sessionStarts(): Promise<void> {
    return this.o.takeOver(this);
  }

  /**
   * This worker took the partition from another owner (a new journal epoch), perhaps after holding
   * it before: what it took then and has not stored is that owner's to store now (or stored
   * already), so it is dropped unacked, and messages are taken afresh from the ack floor.
   * Committing an earlier hold's batch under the new epoch would store messages twice; taking a
   * redelivery of one for a batched message would ack it unstored. The kinds' keyed state starts
   * afresh too: the other owner stored these keys meanwhile, and the dropped batches' messages
   * moved the filter's references (a redelivered message judged against itself was filtered out
   * as unchanged: acked, never stored).
   */
  newStint(epoch: number): void {
    this.stint = epoch;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    if (!this.batch.isEmpty) this.o.stats.abandoned(this.batch.messages);
    this.endTurn();
    this.batch = new PartitionBatch(this.stint);
    this.highestTaken = 0;
    for (const h of this.o.handlers.values()) h.reset();
    this.commitStep.newStint(this.stint);
  }

  deadLetter(batch: PartitionBatch, kind: string, message: RoutedMessage, reason: DeadLetterReason, detail: string): void {
    batch.tally.deadLetter(this.router.kindLabel(kind), reason);
    batch.deadLetteredSeqs.add(message.seq);
    const source: DeadLetterSource = { subject: message.subject, seq: message.seq, data: message.data, timestampMs: message.arrivalMs(), msgId: message.msgId?.() };
    batch.deadLetters.push(this.o.deadLetters.publish(kind, source, reason, detail));
  }

  /** Cuts what was taken and resolves once it is committed and acked. */
  async drain(): Promise<void> {
    this.flush();
    await this.committing;
    await Promise.all(this.commitStep.acking);
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onBatchAge(), this.o.policy.untilNextCut(Date.now()));
  }

  /**
   * The batch reached its maximum wait. Behind a backlog (the stream already holds enough of this
   * partition to fill it) the wait bounds nothing: those messages wait in the stream instead. The
   * batch is then left to fill and be cut by size: fewer, larger inserts, whose rollup partials
   * each fold more readings.
   */
  private onBatchAge(): void {
    if (this.o.policy.fillsFromBacklog(this.batch, this.backlog)) {
      // Not grown for a whole tick (it waits behind inserts, or its pin went elsewhere): the
      // partition gives its fill turn back rather than keep another from filling meanwhile.
      if (this.batch.messages === this.sizeAtLastTick) this.endTurn();
      this.sizeAtLastTick = this.batch.messages;
      return this.armTimer();
    }
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

  private endTurn(): void {
    this.sizeAtLastTick = -1;
    if (!this.hasTurn) return;
    this.hasTurn = false;
    this.o.fillTurns?.release();
  }

  /** Cuts the current batch and queues its commit behind the one before it. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    this.endTurn();
    if (this.batch.isEmpty) return;
    const batch = this.batch;
    this.batch = new PartitionBatch(this.stint);
    this.pendingCommits++;
    this.committing = this.committing.then(() =>
      this.commitStep
        .commit(batch)
        .catch((error: unknown) => this.o.log.error({ err: (error as Error).message }, 'batch commit failed; its messages stay unacked'))
        .finally(() => this.pendingCommits--),
    );
  }
}

/** The kind token of a stored subject, for the received counter (the router checks the shape). */
function kindToken(subject: string): string | undefined {
  const first = subject.indexOf('.');
  const second = subject.indexOf('.', first + 1);
  return first < 0 || second < 0 ? undefined : subject.slice(first + 1, second);
}

/** A message as taken: one object per message, its arrival time a field rather than a closure. */
class TakenMessage implements RoutedMessage {
  key?: string;
  readonly subject: string;

  constructor(
    private readonly msg: JsMsg,
    readonly data: Uint8Array,
    readonly seq: number,
    private readonly timestampMs: number,
  ) {
    this.subject = msg.subject;
  }

  arrivalMs(): number {
    return this.timestampMs;
  }

  msgId(): string | undefined {
    return this.msg.headers?.get('Nats-Msg-Id') || undefined;
  }
}
