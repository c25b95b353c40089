import type { BatchPolicy } from '../batch/batch-policy.js';
import type { KindHandler } from '../kinds/kind.js';
import type { Logger } from '../telemetry/logger.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';
import { consumeSlice } from './event-loop-slice.js';
import type { FillTurns } from './fill-turns.js';
import { PartitionBatch, type AckHandle } from './partition-batch.js';
import type { ResultEffects } from './result-effects.js';
import { Router, type RoutedMessage } from './router.js';

/** A message as the source hands it over: sequence, backlog, arrival, kind and key parsed once, with its ack handle. */
export interface TakenMessage extends RoutedMessage, AckHandle {
  /** This partition's messages still in the stream after this one, as the server counted them. */
  readonly pending: number;
  /** Acks this message (AckAll: every message of the partition up to it). */
  ack(): void;
}

/** What the pipeline asks of the partition's hold (the commit's Hold): which hold takes new batches, and what is stored already. */
export interface HoldView {
  readonly epoch: number;
  readonly storedThrough: number;
}

/** The shared inserter, asked when it is free: a batch due by age is cut then (see GroupCommitInserter.whenFree). */
export interface InsertGate {
  whenFree(ready: () => void): void;
}

export interface PartitionPipelineOptions {
  policy: BatchPolicy;
  handlers: ReadonlyMap<string, KindHandler>;
  maxMsgBytes: number;
  inserts: InsertGate;
  effects: ResultEffects;
  stats: PipelineStats;
  hold: HoldView;
  log: Logger;
  /** Turns to fill a batch from a backlog, shared with the worker's other partitions. */
  fillTurns?: FillTurns;
}

/**
 * One partition's messages from source to cut batches: routes each to its kind, builds batches,
 * cuts them by size or on the shared max-wait grid, and queues them for the partition's run to
 * commit one after another (nextCut, committed). One batch is committed while the next fills; a
 * full batch waits for the commits before it, which is the backpressure on the source.
 */
export class PartitionPipeline {
  private batch: PartitionBatch;
  /** Resolves once every batch cut so far is committed. */
  private committing: Promise<void> = Promise.resolve();
  /** Batches cut and not yet committed (queued or committing). */
  private pendingCommits = 0;
  /** Cut batches waiting for the run, oldest first, and the run waiting for one. */
  private readonly cuts: PartitionBatch[] = [];
  private readonly settles: Array<() => void> = [];
  private cutWanted: ((batch: PartitionBatch | undefined) => void) | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** The batch is due by age and waits for the inserter to be free (see flushWhenFree). */
  private due = false;
  /** Messages of this partition still in the stream after the last one taken, as the server said. */
  private backlog = 0;
  /** The current batch fills from a backlog on one of the worker's fill turns, given back when it is cut. */
  private hasTurn = false;
  /** The batch's size at the last max-wait tick it was left to fill: one that stopped growing gives its turn back. */
  private sizeAtLastTick = -1;
  /** Highest sequence taken in this hold (its batches' acks cover everything up to it). */
  highestTaken = 0;
  private readonly router: Router;

  constructor(private readonly o: PartitionPipelineOptions) {
    this.router = new Router(o.handlers, o.maxMsgBytes, o.effects);
    this.batch = new PartitionBatch(o.hold.epoch);
  }

  /** True when nothing is buffered or waiting to be committed. */
  get idle(): boolean {
    return this.batch.isEmpty && this.pendingCommits === 0;
  }

  /** Devices (keys) whose state this partition holds. */
  get trackedKeys(): number {
    let n = 0;
    for (const h of this.o.handlers.values()) n += h.trackedKeys;
    return n;
  }

  take(msg: TakenMessage): Promise<void> | undefined {
    const seq = msg.seq;
    if (seq <= this.highestTaken) {
      // A redelivery of a stored message whose batch's ack was lost: ack it again (AckAll covers
      // the batch), or nothing would ever ack it at the end of a stream.
      if (seq <= this.o.hold.storedThrough) msg.ack();
      // Otherwise it is in a batch not yet committed (e.g. during a long insert retry).
      return undefined;
    }
    // A batch that will fill from a backlog waits for one of the worker's fill turns (see FillTurns);
    // so does one that gave its turn back while it stalled, when it fills again.
    const turns = this.o.fillTurns;
    if (turns && !this.hasTurn && this.o.policy.fillsFromBacklog(this.batch, msg.pending)) {
      const wait = turns.take();
      if (wait) {
        this.o.stats.fillTurnWaits++;
        return wait.then(() => {
          this.hasTurn = true;
          return this.accept(msg);
        });
      }
      this.hasTurn = true;
    }
    return this.accept(msg);
  }

  /** Takes a message into the current batch; resolves when the partition may take the next. */
  private accept(msg: TakenMessage): Promise<void> | undefined {
    const seq = msg.seq;
    this.highestTaken = seq;
    this.backlog = msg.pending;
    const batch = this.batch;
    if (batch.isEmpty) this.armTimer();
    const storedThrough = this.o.hold.storedThrough;
    const alreadyStored = seq <= storedThrough;
    batch.track(msg, seq, msg.data.length, alreadyStored);
    if (alreadyStored) {
      if (this.o.log.isLevelEnabled('debug')) this.o.log.debug({ seq, storedThrough }, 'skip: already stored');
      this.o.effects.alreadyStored(batch, msg.kind);
      return this.o.policy.isFull(batch) ? this.afterFull(undefined) : undefined;
    }
    this.o.stats.messageReceived(this.router.route(msg, batch));
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
  newHold(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    if (!this.batch.isEmpty) this.o.effects.abandoned(this.batch);
    this.endTurn();
    this.batch = new PartitionBatch(this.o.hold.epoch);
    this.highestTaken = 0;
    for (const h of this.o.handlers.values()) h.reset();
  }

  /** Cuts what was taken and resolves once every batch cut is committed (its ack may still be on its way). */
  async cutAndWait(): Promise<void> {
    this.flush();
    await this.committing;
  }

  /** The oldest batch cut and not yet committed, once there is one; undefined once the pipeline is closed. */
  nextCut(): Promise<PartitionBatch | undefined> {
    const batch = this.cuts.shift();
    if (batch || this.closed) return Promise.resolve(batch);
    return new Promise((resolve) => (this.cutWanted = resolve));
  }

  /** The batch last given by nextCut is committed (stored, or given up): the next may go. */
  committed(): void {
    this.pendingCommits--;
    this.settles.shift()?.();
  }

  /** No more batches are cut: a run waiting in nextCut is answered undefined. */
  close(): void {
    this.closed = true;
    this.cutWanted?.(undefined);
    this.cutWanted = undefined;
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
    this.o.inserts.whenFree(() => {
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
    this.batch = new PartitionBatch(this.o.hold.epoch);
    this.pendingCommits++;
    // Commits go one after another, so the last batch's commit settles everything cut before it.
    this.committing = new Promise((resolve) => this.settles.push(resolve));
    const wanted = this.cutWanted;
    this.cutWanted = undefined;
    if (wanted) wanted(batch);
    else this.cuts.push(batch);
  }
}
