import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { BatchPolicy } from '../batch/batch-policy.js';
import { BatchCommitter, type CommitOutcome, type ReadBack } from '../commit/committer.js';
import type { BatchInserter } from '../commit/group-commit.js';
import { Hold } from '../commit/hold.js';
import type { Takeover } from '../commit/takeover.js';
import type { SiftConfig } from '../config/load.js';
import type { KindHandler } from '../kinds/kind.js';
import type { FillTurns } from '../pipeline/fill-turns.js';
import type { PartitionBatch } from '../pipeline/partition-batch.js';
import { PartitionPipeline } from '../pipeline/partition-pipeline.js';
import type { ResultEffects } from '../pipeline/result-effects.js';
import type { OwnedPartition } from '../sources/jetstream/ownership.js';
import { PartitionSource, pullExpiresMs, type MessageSink, type SourceMessage } from '../sources/jetstream/partition-source.js';
import { pullLimits } from '../sources/jetstream/pull-limits.js';
import { consumerName, partitionFilter, type SubjectLayout } from '../sources/jetstream/subjects.js';
import type { Logger } from '../telemetry/logger.js';
import type { SiftMetrics } from '../telemetry/metrics.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';

/** What every partition run of a worker shares. */
export interface RunContext {
  config: SiftConfig;
  layout: SubjectLayout;
  js: JetStreamClient;
  jsm: JetStreamManager;
  policy: BatchPolicy;
  inserter: BatchInserter;
  effects: ResultEffects;
  takeover: Takeover;
  readBack: ReadBack;
  stats: PipelineStats;
  metrics: SiftMetrics;
  fillTurns: FillTurns | undefined;
  /** The kinds' handlers for a partition, each with its own keyed state. */
  handlersFor(partition: number): Map<string, KindHandler>;
  /** Rows already stored, for a kind rebuilding its filter state (FILTER_RESTORE_STATE). */
  storedRows<T>(sql: string, params: Record<string, unknown>): Promise<T[]>;
  log: Logger;
  signal: AbortSignal;
}

/**
 * One partition this worker consumes, from take to release: its source pulls (pinned) and hands
 * messages to its pipeline, which cuts batches; the run commits each and turns the outcome into
 * an ack, a retake of the partition or nothing (redelivered later). At each pinned session it
 * takes the partition over through the journal before any message is handled.
 */
export class PartitionRun implements MessageSink, OwnedPartition {
  private readonly hold: Hold;
  private readonly source: PartitionSource;
  private readonly pipeline: PartitionPipeline;
  private readonly committer: BatchCommitter;
  private readonly handlers: Map<string, KindHandler>;
  /** Acks sent whose confirmation has not come back yet. */
  private readonly acking = new Set<Promise<void>>();
  private readonly commits: Promise<void>;
  private readonly log: Logger;

  constructor(
    readonly partition: number,
    private readonly c: RunContext,
  ) {
    const { nats } = c.config;
    this.log = c.log.child({ partition });
    this.hold = new Hold(partition);
    this.handlers = c.handlersFor(partition);
    this.source = new PartitionSource({
      js: c.js,
      jsm: c.jsm,
      stream: nats.stream,
      consumer: consumerName(nats.consumer.prefix, partition),
      filter: partitionFilter(c.layout, partition),
      ackWaitMs: nats.consumer.ackWaitMs,
      pull: pullLimits(nats.consumer.readAheadMessages, nats.consumer.readAheadBytes, nats.partitions),
      group: nats.consumer.group,
      expiresMs: pullExpiresMs(nats.consumer.pinnedTtlMs),
      log: this.log,
      signal: c.signal,
    });
    this.pipeline = new PartitionPipeline({
      policy: c.policy,
      handlers: this.handlers,
      maxMsgBytes: nats.maxMsgBytes,
      inserts: c.inserter,
      effects: c.effects,
      stats: c.stats,
      hold: this.hold,
      log: this.log,
      ...(c.fillTurns ? { fillTurns: c.fillTurns } : {}),
    });
    this.committer = new BatchCommitter({
      stream: nats.stream,
      hold: this.hold,
      handlers: this.handlers,
      writer: c.inserter,
      readBack: c.readBack,
      effects: c.effects,
      stats: c.stats,
      isolationMaxDepth: c.config.clickhouse.isolationMaxDepth,
      log: this.log,
      signal: c.signal,
    });
    this.commits = this.commitCuts();
    this.source.start(this);
  }

  /** True when nothing is buffered, being committed or being acked: every message taken is acked. */
  get idle(): boolean {
    return this.pipeline.idle && this.acking.size === 0;
  }

  /** Devices (keys) whose state this partition holds. */
  get trackedKeys(): number {
    let n = 0;
    for (const h of this.handlers.values()) n += h.trackedKeys;
    return n;
  }

  get highestTaken(): number {
    return this.pipeline.highestTaken;
  }

  take(msg: SourceMessage): Promise<void> | undefined {
    return this.pipeline.take(msg);
  }

  /**
   * A pinned session begins: takes the partition's journal entry (a new hold starts the pipeline
   * afresh), finishes what a previous owner left in flight, and with FILTER_RESTORE_STATE rebuilds
   * the filter from stored rows.
   */
  async sessionStarts(): Promise<void> {
    // When the pinned session began: its log line comes after any recovery insert, this before.
    const sessionStartedAt = Date.now();
    const taken = await this.c.takeover.take(this.hold);
    if (taken.newHold) this.pipeline.newHold();
    await this.c.takeover.settle(this.hold, taken, this.log);
    if (this.c.config.filter.restoreState) {
      const stored = { query: <T>(sql: string, params: Record<string, unknown>) => this.c.storedRows<T>(sql, params) };
      for (const [kind, handler] of this.handlers) {
        const keys = await handler.restore?.(stored);
        if (keys !== undefined) this.log.info({ kind, keys }, 'rebuilt filter state from stored rows');
      }
    }
    this.log.info(
      {
        storedThrough: this.hold.storedThrough,
        previousOwner: taken.entry.owner || undefined,
        recovered: taken.entry.inflight?.members,
        sessionStartedAt,
      },
      'took the partition',
    );
  }

  /** Stops pulling, commits and acks what was taken, lets the journal entry go and unpins. */
  async release(): Promise<void> {
    const { nats } = this.c.config;
    await this.source.stop();
    await this.pipeline.cutAndWait();
    await Promise.all(this.acking);
    this.pipeline.close();
    await this.commits;
    this.c.takeover.release(this.hold);
    const partition = String(this.partition);
    this.c.metrics.numPending.remove({ partition });
    this.c.metrics.numAckPending.remove({ partition });
    this.c.metrics.lag.remove({ partition });
    if (!this.source.pinned) return;
    const name = consumerName(nats.consumer.prefix, this.partition);
    await this.c.jsm.consumers.unpin(nats.stream, name, nats.consumer.group).catch((error: unknown) => {
      this.c.log.debug({ err: (error as Error).message, consumer: name }, 'unpin failed; the pin expires by itself');
    });
  }

  /** Commits the pipeline's batches one after another, in the order they were cut. */
  private async commitCuts(): Promise<void> {
    for (let batch = await this.pipeline.nextCut(); batch; batch = await this.pipeline.nextCut()) {
      try {
        this.settle(batch, await this.committer.commit(batch));
      } catch (error) {
        this.log.error({ err: (error as Error).message }, 'batch commit failed; its messages stay unacked');
      }
      this.pipeline.committed();
    }
  }

  /** A commit's outcome becomes its effect: the batch acked, the partition taken again, or the batch left to redelivery. */
  private settle(batch: PartitionBatch, outcome: CommitOutcome): void {
    if (outcome.type === 'stored') {
      // The next batch's insert need not wait for this ack's confirmation, which comes back behind
      // all the read-ahead the server has queued for this connection (at a backlog ClickHouse would
      // sit idle between inserts). AckAll is cumulative, so a later batch's ack arriving first is harmless.
      const acked: Promise<void> = this.c.effects.ack(batch, this.partition).then(() => void this.acking.delete(acked));
      this.acking.add(acked);
      return;
    }
    this.c.effects.abandoned(batch);
    // Still held after a fence: another member of the commit was lost, and its new owner re-forms
    // the commit, this partition's batch included. Taken again, this partition's takeover finishes
    // that commit too and skips what it stored; otherwise the fenced hold would commit nothing more.
    if (outcome.type === 'fenced' && this.c.takeover.letGoAfterFence(this.hold)) {
      this.log.info('taking the partition again to finish a commit a lost partition shared');
      this.source.restartSession();
    }
  }
}
