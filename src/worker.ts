import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { Membership, workerId } from './sources/jetstream/membership.js';
import { PartitionOwnership, type OwnedPartition } from './sources/jetstream/ownership.js';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { SiftConfig } from './config/load.js';
import { BatchPolicy } from './batch/batch-policy.js';
import type { KindHandler } from './kinds/kind.js';
import { kindNamed, kinds } from './kinds/registry.js';
import { createClickHouse, describeTarget, type ClickHouseClient } from './sinks/clickhouse/client.js';
import { prepareClickHouse } from './sinks/clickhouse/prepare.js';
import { ClickHouseWriter } from './sinks/clickhouse/writer.js';
import { GroupCommitInserter, type BatchInserter } from './sinks/clickhouse/group-commit.js';
import { DeadLetterPublisher } from './sinks/dead-letter/dead-letter-publisher.js';
import { connectNats, startRetryLimitS, type NatsConnection } from './sources/jetstream/connect.js';
import { bodyPrivacy } from './transforms/privacy/dead-letter-body.js';
import { PartitionSource, pullExpiresMs } from './sources/jetstream/partition-source.js';
import { PartitionPipeline } from './pipeline/partition-pipeline.js';
import { FillTurns } from './pipeline/fill-turns.js';
import { UnpartitionedSweep, kvSweepCursor } from './pipeline/unpartitioned.js';
import { Kvm } from '@nats-io/kv';
import { BatchCommitter } from './pipeline/commit.js';
import { layoutOf } from './sources/jetstream/provision.js';
import { prepareNats } from './sources/jetstream/prepare.js';
import { consumerName, partitionFilter } from './sources/jetstream/subjects.js';
import { pullLimits } from './sources/jetstream/pull-limits.js';
import { sleep } from './util/timing.js';
import { CommitJournal } from './journal/commit-journal.js';
import type { JournalEntry } from './journal/entry.js';
import { recoverInflight } from './journal/recover.js';
import { storedSeqs } from './sinks/clickhouse/stored-seqs.js';
import type { Logger } from './telemetry/logger.js';
import { PipelineStats } from './telemetry/pipeline-stats.js';
import { createMetrics, type SiftMetrics } from './telemetry/metrics.js';
import { AckStallClock } from './telemetry/ack-stall.js';
import { buildInfo } from './telemetry/build-info.js';
import { residentFileBytes, threadCpu } from './telemetry/thread-cpu.js';
import { startStatusServer, type Readiness } from './telemetry/http-server.js';
import type { Server } from 'node:http';
import { openAlerts } from './alerts/start.js';
import { startGateway, type RunningGateway } from './gateway/start-gateway.js';

/** The event kinds a partition understands, each with its own keyed state for that partition. */
function kindHandlers(config: SiftConfig, metrics: SiftMetrics, partition: number): Map<string, KindHandler> {
  const context = { partition, stateEvicted: (kind: string, cause: string, keys: number) => metrics.filterEvictions.inc({ kind, cause }, keys) };
  return new Map(kinds.map((kind) => [kind.name, kind.createHandler(config, context)]));
}

/** A partition this worker consumes: its source (pull and pin) feeding its pipeline (route, batch, commit). */
interface PartitionRun extends OwnedPartition {
  source: PartitionSource;
  pipeline: PartitionPipeline;
}

export interface WorkerStartOptions {
  clickhouse?: ClickHouseClient;
  wrapClickHouse?: (client: ClickHouseClient) => ClickHouseClient;
  /** Ends a start-up that still waits for NATS (a SIGTERM before NATS came). */
  signal?: AbortSignal;
}

/** A running worker: NATS and ClickHouse ready, one consumer loop per partition it owns. */
export class Worker {
  readonly stats: PipelineStats;
  private readonly ackStall = new AckStallClock();
  private readonly health = { natsConnected: true, clickhouseAnswers: true, insertsSucceeding: true, migrationsApplied: true };
  private statusTimer: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  private readonly ownership: PartitionOwnership<PartitionRun>;
  private readonly hardStop = new AbortController();
  private stopped: Promise<void> | undefined;
  private readonly js: JetStreamClient;
  private readonly writer: BatchInserter;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly policy: BatchPolicy;
  /** Turns to fill batches from a backlog, shared by this worker's partitions (BATCH_BACKLOG_FILLERS; none at 0). */
  readonly fillTurns: FillTurns | undefined;
  private readonly stoppedByRequest: Promise<void>;
  private markStopped!: () => void;
  /** Live workers as the membership last listed them (sorted); the first one evaluates the alert rules. */
  private members: readonly string[] = [];
  private alerts: Awaited<ReturnType<typeof openAlerts>> | undefined;
  /** The HTTP gateway this worker serves (GATEWAY_ENABLED), in its process so it shares the embedded engine. */
  gateway: RunningGateway | undefined;
  /** Dead-letters what the stream stored without a partition; run by the alert leader at each status poll. */
  private unpartitioned: UnpartitionedSweep | undefined;

  private readonly rawWriter: ClickHouseWriter;

  private constructor(
    /** This worker's id among the live workers (host, pid and a random part). */
    readonly id: string,
    private readonly journal: CommitJournal,
    readonly config: SiftConfig,
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly clickhouse: ClickHouseClient,
    private readonly logger: Logger,
    readonly metrics: SiftMetrics,
    private readonly ownsClickHouse = true,
  ) {
    this.stats = new PipelineStats(metrics);
    this.stoppedByRequest = new Promise((resolve) => (this.markStopped = resolve));
    this.policy = new BatchPolicy(config.batch);
    const fillers = config.batch.backlogFillers;
    this.fillTurns = fillers > 0 ? new FillTurns(fillers, Math.floor(config.nats.consumer.pinnedTtlMs / 3)) : undefined;
    this.js = jetstream(nc);
    // One inserter for every partition, so group commit can merge their batches.
    this.rawWriter = new ClickHouseWriter(clickhouse, config.clickhouse.database, config.clickhouse.retry, logger, {
      onRetry: (errorClass) => {
        this.stats.insertRetry(errorClass);
        this.health.insertsSucceeding = false;
      },
      onInserted: (table, rows, seconds) => {
        this.stats.inserted(table, rows, seconds);
        this.health.insertsSucceeding = true;
      },
    }, config.clickhouse.cluster);
    this.writer = new GroupCommitInserter(this.rawWriter, journal);
    const privacy = bodyPrivacy(config.privacy.rules, config.privacy.salt);
    this.deadLetters = new DeadLetterPublisher(this.js, config.nats.stream, config.nats.dlqSubjectPrefix, logger, this.hardStop.signal, nc.info?.max_payload, privacy);
    this.ownership = new PartitionOwnership({
      self: this.id,
      partitions: config.nats.partitions,
      fixed: config.nats.consumer.staticPartitions,
      log: logger,
      take: (partition) => this.take(partition),
    });
  }

  /** Resolves when stop() has finished (e.g. after SIGTERM). */
  whenStopped(): Promise<void> {
    return this.stoppedByRequest;
  }

  /**
   * Connects, provisions NATS and migrates ClickHouse (both idempotent), then starts consuming.
   * `clickhouse` shares a client the caller keeps open (several workers in one process share the
   * one embedded engine); `wrapClickHouse` lets a test wrap the client, e.g. to inject faults.
   */
  static async start(config: SiftConfig, logger: Logger, options: WorkerStartOptions = {}): Promise<Worker> {
    const metrics = createMetrics(buildInfo(), kinds);
    // Start-up stages done so far: /readyz names what is still missing while the worker waits.
    const startup = { nats_connected: false, clickhouse_answers: false, migrations_applied: false };
    let worker: Worker | undefined;
    // Listen before connecting: probes get an answer (live, not ready) while NATS is away, and a
    // port already in use stops start-up before anything is taken.
    const server = config.telemetry.metricsPort > 0
      ? await startStatusServer(config.telemetry.metricsPort, config.telemetry.metricsHost, {
          registry: metrics.registry,
          live: () => !worker?.stopped,
          readiness: () => worker?.readiness() ?? { ready: false, checks: { ...startup, started: false } },
        }, { maxConnections: config.telemetry.metricsMaxConnections, requestTimeoutMs: config.telemetry.metricsRequestTimeoutMs })
      : undefined;
    let nc: NatsConnection | undefined;
    let clickhouse: ClickHouseClient | undefined;
    let gateway: RunningGateway | undefined;
    try {
      nc = await connectNats(config.nats, `sift-worker ${hostname()}:${process.pid}`, {
        log: logger,
        retryS: startRetryLimitS(config.nats.startRetryS, 'forever'),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      startup.nats_connected = true;
      await prepareNats(nc, config.nats, logger);
      clickhouse = options.clickhouse ?? (await createClickHouse(config.clickhouse));
      startup.clickhouse_answers = true;
      await prepareClickHouse(clickhouse, config.clickhouse, logger);
      startup.migrations_applied = true;
      const id = workerId(hostname(), process.pid, randomBytes(3).toString('hex'));
      const journal = await CommitJournal.open(nc, `${config.nats.consumer.prefix}-journal`, id, config.nats.replicas, logger);
      worker = new Worker(id, journal, config, nc, await jetstreamManager(nc), options.wrapClickHouse?.(clickhouse) ?? clickhouse, logger, metrics, !options.clickhouse);
      worker.server = server;
      const started = worker;
      // Its cursor sits beside the journal's entries, in the bucket the worker already writes.
      const cursor = kvSweepCursor(await new Kvm(nc).open(`${config.nats.consumer.prefix}-journal`), 'unpartitioned');
      started.unpartitioned = new UnpartitionedSweep({
        js: started.js,
        jsm: started.jsm,
        stream: config.nats.stream,
        layout: layoutOf(config.nats),
        cursor,
        deadLetters: started.deadLetters,
        stats: started.stats,
        kindLabel: (kind) => (kindNamed(kind) ? kind : 'unknown'),
        log: logger,
      });
      // Like the metrics port: a gateway that cannot listen stops start-up before anything is consumed.
      if (config.gateway.enabled) {
        started.gateway = gateway = await startGateway(config, logger, { registry: metrics.registry, clickhouse, workerStatus: () => started.backlogStatus() });
      }
      // Rules are checked (and their queries explained) before anything is consumed.
      if (config.alerts.enabled) started.alerts = await openAlerts({ config, nc, clickhouse: started.clickhouse, metrics, log: logger, isLeader: () => started.isAlertLeader });
      await started.ownership.start((onChange) =>
        Membership.join(started.nc, `${config.nats.consumer.prefix}-workers`, started.id, config.nats.consumer.heartbeatMs, logger, (members) => {
          started.members = members;
          onChange(members);
        }),
      );
      started.alerts?.engine.start();
      started.watchConnection();
      started.statusTimer = setInterval(() => void started.pollStatus(), config.telemetry.statusPollMs);
      await started.pollStatus();
      logger.info({ id: started.id, nats: config.nats.url, clickhouse: describeTarget(config.clickhouse), partitions: started.ownedPartitions, heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) }, 'worker started');
      return started;
    } catch (error) {
      await gateway?.close().catch(() => undefined);
      if (!options.clickhouse) await clickhouse?.close().catch(() => undefined);
      await nc?.close().catch(() => undefined);
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      throw error;
    }
  }

  /** Ready: NATS connected, ClickHouse answers, migrations applied, and inserts are not failing. */
  readiness(): Readiness {
    const checks = {
      nats_connected: this.health.natsConnected,
      clickhouse_answers: this.health.clickhouseAnswers,
      migrations_applied: this.health.migrationsApplied,
      inserts_succeeding: this.health.insertsSucceeding,
    };
    const ready = Object.values(checks).every(Boolean) && !this.stopped;
    this.metrics.ready.set(ready ? 1 : 0);
    return { ready, checks };
  }

  private watchConnection(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          this.health.natsConnected = false;
          this.logger.warn('NATS disconnected; reconnecting');
        } else if (status.type === 'reconnect') {
          this.health.natsConnected = true;
          this.logger.info('NATS reconnected');
        }
      }
    })();
  }

  /** Pending counts from the server (not guessed), a ClickHouse ping, and in-memory sizes. */
  private async pollStatus(): Promise<void> {
    const m = this.metrics;
    const { stream, consumer } = this.config.nats;
    const owned = [...this.ownership.entries()];
    m.partitionsOwned.set(owned.length);
    let devices = 0;
    let pending: number | undefined = 0;
    for (const [p, run] of owned) {
      devices += run.pipeline.trackedKeys;
      try {
        const info = await this.jsm.consumers.info(stream, consumerName(consumer.prefix, p));
        if (this.ownership.get(p) !== run) continue; // released meanwhile: its series are gone
        m.numPending.set({ partition: String(p) }, info.num_pending);
        m.numAckPending.set({ partition: String(p) }, info.num_ack_pending);
        if (pending !== undefined) pending += info.num_pending + info.num_ack_pending;
      } catch {
        // NATS away: the gauges keep their last values and readiness says why.
        pending = undefined;
      }
    }
    m.devicesTracked.set(devices);
    // One worker is enough (a sweep that runs twice dead-letters once: message ids, and the cursor's revision).
    if (this.isAlertLeader) void this.sweepUnpartitioned();
    m.secondsSinceLastAck.set(this.ackStall.observe(pending, this.stats.lastAckedAt, Date.now()));
    const ping = await this.clickhouse.ping().catch((error: unknown) => ({ success: false, error }));
    this.health.clickhouseAnswers = ping.success;
    this.readiness();
  }

  /**
   * For the gateway's /health/detailed and status page: messages not yet stored across the
   * partitions this worker holds (pending and unacked), the dead-letter stream's messages, and how
   * many partitions it holds. Asked of the server, like the gauges.
   */
  async backlogStatus(): Promise<{ backlog: number; deadLetters: number; partitions: number }> {
    const { stream, consumer, dlqStream } = this.config.nats;
    const owned = this.ownership.partitions;
    const infos = await Promise.all(owned.map((p) => this.jsm.consumers.info(stream, consumerName(consumer.prefix, p))));
    const dlq = await this.jsm.streams.info(dlqStream);
    return { backlog: infos.reduce((n, info) => n + info.num_pending + info.num_ack_pending, 0), deadLetters: dlq.state.messages, partitions: owned.length };
  }

  /** Whether this worker evaluates the alert rules: the smallest id among the live workers (each, with static partitions; the state's revision checks fence them). */
  get isAlertLeader(): boolean {
    return !this.stopped && (this.members.length === 0 || this.members[0] === this.id);
  }

  /** Partitions this worker consumes now, ascending. */
  get ownedPartitions(): number[] {
    return this.ownership.partitions;
  }

  /** Starts consuming a partition: its source pulls (pinned), its pipeline routes, batches and commits. */
  private take(partition: number): PartitionRun {
    const { config, logger, stats } = this;
    const { nats } = config;
    const log = logger.child({ partition });
    const name = consumerName(nats.consumer.prefix, partition);
    const filter = partitionFilter(layoutOf(nats), partition);
    const handlers = kindHandlers(config, this.metrics, partition);
    const signal = this.hardStop.signal;
    const source = new PartitionSource({
      js: this.js,
      jsm: this.jsm,
      stream: nats.stream,
      consumer: name,
      filter,
      ackWaitMs: nats.consumer.ackWaitMs,
      pull: pullLimits(nats.consumer.readAheadMessages, nats.consumer.readAheadBytes, nats.partitions),
      group: nats.consumer.group,
      expiresMs: pullExpiresMs(nats.consumer.pinnedTtlMs),
      log,
      signal,
    });
    const pipeline = new PartitionPipeline({
      partition,
      policy: this.policy,
      handlers,
      maxMsgBytes: nats.maxMsgBytes,
      writer: this.writer,
      deadLetters: this.deadLetters,
      stats,
      log,
      takeOver: () => this.takeOver(partition, pipeline, handlers, log),
      fillTurns: this.fillTurns,
      committer: (kindLabel) =>
        new BatchCommitter({
          jsm: this.jsm,
          stream: nats.stream,
          filter,
          partition,
          handlers,
          writer: this.writer,
          deadLetters: this.deadLetters,
          stats,
          isolationMaxDepth: config.clickhouse.isolationMaxDepth,
          kindLabel,
          // Still held: another member of the commit was lost, and its new owner re-forms the commit,
          // this partition's batch included. Taken again, this partition's takeover finishes that
          // commit too and skips what it stored; otherwise the fenced committer would commit nothing more.
          onFenced: () => {
            if (!this.journal.holds(partition)) return;
            log.info('taking the partition again to finish a commit a lost partition shared');
            this.journal.release(partition);
            source.restartSession();
          },
          log,
          signal,
        }),
    });
    source.start(pipeline);
    const release = async () => {
      await source.stop();
      await pipeline.drain();
      this.journal.release(partition);
      this.metrics.numPending.remove({ partition: String(partition) });
      this.metrics.numAckPending.remove({ partition: String(partition) });
      this.metrics.lag.remove({ partition: String(partition) });
      if (!source.pinned) return;
      await this.jsm.consumers.unpin(nats.stream, name, nats.consumer.group).catch((error: unknown) => {
        this.logger.debug({ err: (error as Error).message, consumer: name }, 'unpin failed; the pin expires by itself');
      });
    };
    return { source, pipeline, release };
  }

  /**
   * At the start of a pinned session: takes the partition's journal entry (fencing its previous
   * owner, who no longer holds the pin), finishes a commit that owner left in flight, tells the
   * pipeline which messages are stored already, and with FILTER_RESTORE_STATE rebuilds the filter.
   * Taken at the pin, not at assignment: a worker releasing the partition keeps committing until
   * it unpins. A throw ends the session, which the source retries.
   */
  private async takeOver(partition: number, pipeline: PartitionPipeline, handlers: ReadonlyMap<string, KindHandler>, log: Logger): Promise<void> {
    const { nats } = this.config;
    // When the pinned session began: its log line comes after any recovery insert, this before.
    const sessionStartedAt = Date.now();
    const consumer = await this.jsm.consumers.info(nats.stream, consumerName(nats.consumer.prefix, partition));
    const { entry, alreadyHeld, epoch } = await this.journal.take(partition, String(consumer.created));
    if (!alreadyHeld) pipeline.newStint(epoch);
    // Pinned again while still holding the entry (a NATS blip): its commits under way are this worker's own.
    if (!alreadyHeld && entry.inflight) await this.recoverOrRelease(partition, entry, log);
    pipeline.skipThrough = Math.max(pipeline.skipThrough, (await this.journal.read(partition)).entry.committed);
    if (this.config.filter.restoreState) {
      const stored = { query: <T>(sql: string, params: Record<string, unknown>) => this.storedRows<T>(sql, params) };
      for (const [kind, handler] of handlers) {
        const keys = await handler.restore?.(stored);
        if (keys !== undefined) log.info({ kind, keys }, 'rebuilt filter state from stored rows');
      }
    }
    log.info({ storedThrough: pipeline.skipThrough, previousOwner: entry.owner || undefined, recovered: entry.inflight?.members, sessionStartedAt }, 'took the partition');
  }

  /**
   * Finishes the commit a previous owner left in flight. Until that succeeds the partition is not
   * this worker's to consume: the hold is released, so the session's retry takes the entry again
   * (a new epoch, not "already held") and recovers again, instead of going on to commit over it.
   */
  private async recoverOrRelease(partition: number, entry: JournalEntry, log: Logger): Promise<void> {
    const { nats } = this.config;
    try {
      await recoverInflight(entry, {
        journal: this.journal,
        jsm: this.jsm,
        stream: nats.stream,
        filterOf: (p) => partitionFilter(layoutOf(nats), p),
        handlers: (member) => kindHandlers(this.config, this.metrics, member),
        maxMsgBytes: nats.maxMsgBytes,
        insert: (batch) => this.rawWriter.insert(batch, this.hardStop.signal),
        storedSeqs: (table, seqs) => storedSeqs(this.clickhouse, this.config.clickhouse.database, table, seqs),
        deadLetters: this.deadLetters,
        log,
      });
    } catch (error) {
      this.journal.release(partition);
      throw error;
    }
  }

  private async storedRows<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const query = sql.replaceAll('{db}', this.config.clickhouse.database);
    const result = await this.clickhouse.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
    return result.json<T>();
  }

  /** Resolves once every partition has nothing pending on the server and nothing unacked here. */
  async untilIdle(pollMs = 250): Promise<void> {
    const { stream, consumer, partitions } = this.config.nats;
    for (;;) {
      await sleep(pollMs, this.hardStop.signal);
      if (this.hardStop.signal.aborted || this.stopped) return;
      if (!this.allIdle()) continue;
      let quiet = true;
      for (let p = 0; p < partitions && quiet; p++) {
        const info = await this.jsm.consumers.info(stream, consumerName(consumer.prefix, p));
        quiet = info.num_pending === 0 && info.num_ack_pending === 0;
      }
      if (quiet && this.allIdle()) {
        await this.sweepUnpartitioned();
        return;
      }
    }
  }

  /** Dead-letters messages the stream stored without a partition; never throws (the next poll tries again). */
  private async sweepUnpartitioned(): Promise<void> {
    await this.unpartitioned?.sweep().catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'could not sweep messages stored without a partition; trying again at the next poll'));
  }

  private allIdle(): boolean {
    for (const [, run] of this.ownership.entries()) if (!run.pipeline.idle) return false;
    return true;
  }

  /** Graceful stop: stop pulling, flush and ack every batch, close connections. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      // Stop taking events over HTTP first; the requests in flight finish while NATS is still open.
      await this.gateway?.close();
      // Leave first so the others start asking for our partitions; the pins fence them until we
      // have flushed, acked and unpinned each one.
      clearInterval(this.statusTimer);
      await this.alerts?.stop();
      await this.ownership.leave();
      await this.nc.drain().catch(() => undefined);
      if (this.ownsClickHouse) await this.clickhouse.close().catch(() => undefined);
      await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
      const usage = process.resourceUsage();
      const threads = threadCpu();
      this.logger.info(
        {
          ...this.stats.snapshot(),
          maxRssBytes: usage.maxRSS * 1024,
          rssFileBytes: residentFileBytes(),
          cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
          nodeCpuSeconds: threads?.nodeSeconds,
          engineCpuSeconds: threads?.otherSeconds,
          startNodeCpuSeconds: this.stats.cpuAtFirstMessage?.nodeSeconds,
          startEngineCpuSeconds: this.stats.cpuAtFirstMessage?.otherSeconds,
        },
        'worker stopped',
      );
      this.markStopped();
    })();
    return this.stopped;
  }

  /** Abandons retries at once: unfinished batches stay unacked and are redelivered later. */
  abort(): void {
    this.hardStop.abort();
  }
}
