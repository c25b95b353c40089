import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import type { Server } from 'node:http';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Membership, workerId } from '../sources/jetstream/membership.js';
import { PartitionOwnership } from '../sources/jetstream/ownership.js';
import type { SiftConfig } from '../config/load.js';
import { BatchPolicy } from '../batch/batch-policy.js';
import type { KindHandler } from '../kinds/kind.js';
import { kindNamed, kinds } from '../kinds/registry.js';
import { createClickHouse, describeTarget, type ClickHouseClient } from '../sinks/clickhouse/client.js';
import { prepareClickHouse } from '../sinks/clickhouse/prepare.js';
import { ClickHouseWriter } from '../sinks/clickhouse/writer.js';
import { storedRows } from '../sinks/clickhouse/stored-rows.js';
import { storedSeqs } from '../sinks/clickhouse/stored-seqs.js';
import { DeadLetterPublisher } from '../sinks/dead-letter/dead-letter-publisher.js';
import { connectNats, startRetryLimitS, type NatsConnection } from '../sources/jetstream/connect.js';
import { layoutOf } from '../sources/jetstream/provision.js';
import { prepareNats } from '../sources/jetstream/prepare.js';
import { readPartitionRange } from '../sources/jetstream/read-back.js';
import { consumerName, partitionFilter } from '../sources/jetstream/subjects.js';
import { UnpartitionedSweep, kvSweepCursor } from '../sources/jetstream/unpartitioned-sweep.js';
import { bodyPrivacy } from '../transforms/privacy/dead-letter-body.js';
import { FillTurns } from '../pipeline/fill-turns.js';
import { ResultEffects } from '../pipeline/result-effects.js';
import { GroupCommitInserter } from '../commit/group-commit.js';
import { CommitJournal } from '../commit/journal/commit-journal.js';
import { Takeover } from '../commit/takeover.js';
import type { ReadBack } from '../commit/committer.js';
import { sleep } from '../util/timing.js';
import type { Logger } from '../telemetry/logger.js';
import { PipelineStats } from '../telemetry/pipeline-stats.js';
import { createMetrics, type SiftMetrics } from '../telemetry/metrics.js';
import { buildInfo } from '../telemetry/build-info.js';
import { residentFileBytes, threadCpu } from '../telemetry/thread-cpu.js';
import { startStatusServer, type Readiness } from '../telemetry/http-server.js';
import { openAlerts } from '../alerts/start.js';
import { startGateway, type RunningGateway } from '../gateway/start-gateway.js';
import { WorkerHealth } from './health.js';
import { PartitionRun, type RunContext } from './partition-run.js';

/** The event kinds a partition understands, each with its own keyed state for that partition. */
function kindHandlers(config: SiftConfig, metrics: SiftMetrics, partition: number): Map<string, KindHandler> {
  const context = {
    partition,
    stateEvicted: (kind: string, cause: string, keys: number) => metrics.filterEvictions.inc({ kind, cause }, keys),
  };
  return new Map(kinds.map((kind) => [kind.name, kind.createHandler(config, context)]));
}

export interface WorkerStartOptions {
  clickhouse?: ClickHouseClient;
  wrapClickHouse?: (client: ClickHouseClient) => ClickHouseClient;
  /** Ends a start-up that still waits for NATS (a SIGTERM before NATS came). */
  signal?: AbortSignal;
}

/** A running worker: NATS and ClickHouse ready, one partition run per partition it owns. */
export class Worker {
  readonly stats: PipelineStats;
  private readonly health: WorkerHealth;
  private statusTimer: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  private readonly ownership: PartitionOwnership<PartitionRun>;
  private readonly hardStop = new AbortController();
  private stopped: Promise<void> | undefined;
  private readonly js: JetStreamClient;
  private readonly effects: ResultEffects;
  /** What every partition run shares. */
  private readonly runs: RunContext;
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

  private constructor(
    /** This worker's id among the live workers (host, pid and a random part). */
    readonly id: string,
    journal: CommitJournal,
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
    const fillers = config.batch.backlogFillers;
    this.fillTurns = fillers > 0 ? new FillTurns(fillers, Math.floor(config.nats.consumer.pinnedTtlMs / 3)) : undefined;
    this.js = jetstream(nc);
    this.health = new WorkerHealth({
      nc,
      jsm,
      clickhouse,
      stream: config.nats.stream,
      consumerPrefix: config.nats.consumer.prefix,
      metrics,
      stats: this.stats,
      log: logger,
    });
    // One inserter for every partition, so group commit can merge their batches.
    const rawWriter = new ClickHouseWriter(
      clickhouse,
      config.clickhouse.database,
      config.clickhouse.retry,
      logger,
      {
        onRetry: (errorClass) => {
          this.stats.insertRetry(errorClass);
          this.health.insertsSucceeding = false;
        },
        onInserted: (table, rows, seconds) => {
          this.stats.inserted(table, rows, seconds);
          this.health.insertsSucceeding = true;
        },
      },
      config.clickhouse.cluster,
    );
    const privacy = bodyPrivacy(config.privacy.rules, config.privacy.salt);
    const deadLetters = new DeadLetterPublisher(
      this.js,
      config.nats.stream,
      config.nats.dlqSubjectPrefix,
      logger,
      this.hardStop.signal,
      nc.info?.max_payload,
      privacy,
    );
    this.effects = new ResultEffects({
      deadLetters,
      stats: this.stats,
      kindLabel: (kind) => (kind !== undefined && kindNamed(kind) ? kind : 'unknown'),
      log: logger,
      signal: this.hardStop.signal,
    });
    const layout = layoutOf(config.nats);
    const readBack: ReadBack = (partition, first, last) =>
      readPartitionRange(jsm, config.nats.stream, partitionFilter(layout, partition), first, last);
    const handlersFor = (partition: number) => kindHandlers(config, metrics, partition);
    const takeover = new Takeover({
      journal,
      consumerCreated: async (partition) =>
        String((await jsm.consumers.info(config.nats.stream, consumerName(config.nats.consumer.prefix, partition))).created),
      recovery: {
        stream: config.nats.stream,
        readBack,
        handlers: handlersFor,
        maxMsgBytes: config.nats.maxMsgBytes,
        insert: (batch) => rawWriter.insert(batch, this.hardStop.signal),
        storedSeqs: (table, seqs) => storedSeqs(clickhouse, config.clickhouse.database, table, seqs),
        effects: this.effects,
      },
    });
    this.runs = {
      config,
      layout,
      js: this.js,
      jsm,
      policy: new BatchPolicy(config.batch),
      inserter: new GroupCommitInserter(rawWriter, journal),
      effects: this.effects,
      takeover,
      readBack,
      stats: this.stats,
      metrics,
      fillTurns: this.fillTurns,
      handlersFor,
      storedRows: (sql, params) => storedRows(clickhouse, config.clickhouse.database, sql, params),
      log: logger,
      signal: this.hardStop.signal,
    };
    this.ownership = new PartitionOwnership({
      self: this.id,
      partitions: config.nats.partitions,
      fixed: config.nats.consumer.staticPartitions,
      log: logger,
      take: (partition) => new PartitionRun(partition, this.runs),
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
    const server =
      config.telemetry.metricsPort > 0
        ? await startStatusServer(
            config.telemetry.metricsPort,
            config.telemetry.metricsHost,
            {
              registry: metrics.registry,
              live: () => !worker?.stopped,
              readiness: () => worker?.readiness() ?? { ready: false, checks: { ...startup, started: false } },
            },
            { maxConnections: config.telemetry.metricsMaxConnections, requestTimeoutMs: config.telemetry.metricsRequestTimeoutMs },
          )
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
      worker = new Worker(
        id,
        journal,
        config,
        nc,
        await jetstreamManager(nc),
        options.wrapClickHouse?.(clickhouse) ?? clickhouse,
        logger,
        metrics,
        !options.clickhouse,
      );
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
        sink: started.effects,
        log: logger,
      });
      // Like the metrics port: a gateway that cannot listen stops start-up before anything is consumed.
      if (config.gateway.enabled) {
        started.gateway = gateway = await startGateway(config, logger, {
          registry: metrics.registry,
          clickhouse,
          workerStatus: () => started.backlogStatus(),
        });
      }
      // Rules are checked (and their queries explained) before anything is consumed.
      if (config.alerts.enabled)
        started.alerts = await openAlerts({
          config,
          nc,
          clickhouse: started.clickhouse,
          metrics,
          log: logger,
          isLeader: () => started.isAlertLeader,
        });
      await started.ownership.start((onChange) =>
        Membership.join(
          started.nc,
          `${config.nats.consumer.prefix}-workers`,
          started.id,
          config.nats.consumer.heartbeatMs,
          logger,
          (members) => {
            started.members = members;
            onChange(members);
          },
        ),
      );
      started.alerts?.engine.start();
      started.health.watchConnection();
      started.statusTimer = setInterval(() => void started.pollStatus(), config.telemetry.statusPollMs);
      await started.pollStatus();
      logger.info(
        {
          id: started.id,
          nats: config.nats.url,
          clickhouse: describeTarget(config.clickhouse),
          partitions: started.ownedPartitions,
          heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
        },
        'worker started',
      );
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
    return this.health.readiness(this.stopped !== undefined);
  }

  private async pollStatus(): Promise<void> {
    // One worker is enough (a sweep that runs twice dead-letters once: message ids, and the cursor's revision).
    if (this.isAlertLeader) void this.sweepUnpartitioned();
    await this.health.poll([...this.ownership.entries()], (p, run) => this.ownership.get(p) === run, this.stopped !== undefined);
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
    return {
      backlog: infos.reduce((n, info) => n + info.num_pending + info.num_ack_pending, 0),
      deadLetters: dlq.state.messages,
      partitions: owned.length,
    };
  }

  /** Whether this worker evaluates the alert rules: the smallest id among the live workers (each, with static partitions; the state's revision checks fence them). */
  get isAlertLeader(): boolean {
    return !this.stopped && (this.members.length === 0 || this.members[0] === this.id);
  }

  /** Partitions this worker consumes now, ascending. */
  get ownedPartitions(): number[] {
    return this.ownership.partitions;
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
    await this.unpartitioned
      ?.sweep()
      .catch((error: unknown) =>
        this.logger.warn(
          { err: (error as Error).message },
          'could not sweep messages stored without a partition; trying again at the next poll',
        ),
      );
  }

  private allIdle(): boolean {
    for (const [, run] of this.ownership.entries()) if (!run.idle) return false;
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
