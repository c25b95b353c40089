import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Membership, workerId } from './sources/jetstream/membership.js';
import { partitionsOf } from './sources/jetstream/partition-assignment.js';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { SiftConfig } from './config/load.js';
import { BatchPolicy } from './batch/batch-policy.js';
import type { KindHandler } from './kinds/kind-handler.js';
import { DeviceMetricsHandler } from './kinds/metrics/handler.js';
import { createClickHouse, describeTarget, type ClickHouseClient } from './sinks/clickhouse/client.js';
import { prepareClickHouse } from './sinks/clickhouse/prepare.js';
import { ClickHouseWriter } from './sinks/clickhouse/writer.js';
import { GroupCommitInserter, type BatchInserter } from './sinks/clickhouse/group-commit.js';
import { DeadLetterPublisher } from './sinks/dead-letter/dead-letter-publisher.js';
import { connectNats, type NatsConnection } from './sources/jetstream/connect.js';
import { PartitionConsumer } from './sources/jetstream/partition-consumer.js';
import { layoutOf } from './sources/jetstream/provision.js';
import { prepareNats } from './sources/jetstream/prepare.js';
import { consumerName, partitionFilter } from './sources/jetstream/subjects.js';
import { pullLimits } from './sources/jetstream/pull-limits.js';
import { sleep } from './sinks/clickhouse/retry.js';
import { filterSettings } from './transforms/device-filter/device-filter.js';
import type { Logger } from './telemetry/logger.js';
import { PipelineStats } from './telemetry/pipeline-stats.js';
import { createMetrics } from './telemetry/metrics.js';
import { buildInfo } from './telemetry/build-info.js';
import { startStatusServer, type Readiness } from './telemetry/http-server.js';
import type { Server } from 'node:http';

/** The event kinds a partition understands, each with its own keyed state for that partition. */
function kindHandlers(config: SiftConfig): Map<string, KindHandler> {
  const handlers: KindHandler[] = [new DeviceMetricsHandler(filterSettings(config.filter))];
  return new Map(handlers.map((h) => [h.kind, h]));
}

export interface WorkerStartOptions {
  clickhouse?: ClickHouseClient;
  wrapClickHouse?: (client: ClickHouseClient) => ClickHouseClient;
}

/** A running worker: NATS and ClickHouse ready, one consumer loop per partition it owns. */
export class Worker {
  readonly metrics = createMetrics(buildInfo());
  readonly stats = new PipelineStats(this.metrics);
  private readonly health = { natsConnected: true, clickhouseAnswers: true, insertsSucceeding: true, migrationsApplied: true };
  private statusTimer: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  /** This worker's id among the live workers (host, pid and a random part). */
  readonly id = workerId(hostname(), process.pid, randomBytes(3).toString('hex'));
  /** The partitions this worker owns now, by partition number. */
  private readonly owned = new Map<number, PartitionConsumer>();
  private membership: Membership | undefined;
  private rebalancing: Promise<void> = Promise.resolve();
  private readonly hardStop = new AbortController();
  private stopped: Promise<void> | undefined;
  private readonly js: JetStreamClient;
  private readonly writer: BatchInserter;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly policy: BatchPolicy;
  private readonly stoppedByRequest: Promise<void>;
  private markStopped!: () => void;

  private constructor(
    readonly config: SiftConfig,
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly clickhouse: ClickHouseClient,
    private readonly logger: Logger,
    private readonly ownsClickHouse = true,
  ) {
    this.stoppedByRequest = new Promise((resolve) => (this.markStopped = resolve));
    this.policy = new BatchPolicy(config.batch);
    this.js = jetstream(nc);
    // One inserter for every partition, so group commit can merge their batches.
    this.writer = new GroupCommitInserter(
      new ClickHouseWriter(clickhouse, config.clickhouse.database, config.clickhouse.retry, logger, {
        onRetry: (errorClass) => {
          this.stats.insertRetry(errorClass);
          this.health.insertsSucceeding = false;
        },
        onInserted: (table, rows, seconds) => {
          this.stats.inserted(table, rows, seconds);
          this.health.insertsSucceeding = true;
        },
      }),
    );
    this.deadLetters = new DeadLetterPublisher(this.js, config.nats.stream, config.nats.dlqSubjectPrefix, logger, this.hardStop.signal);
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
    const nc = await connectNats(config.nats, `sift-worker ${hostname()}:${process.pid}`);
    let clickhouse: ClickHouseClient | undefined;
    try {
      await prepareNats(nc, config.nats, logger);
      clickhouse = options.clickhouse ?? (await createClickHouse(config.clickhouse));
      await prepareClickHouse(clickhouse, config.clickhouse, logger);
      const worker = new Worker(config, nc, await jetstreamManager(nc), options.wrapClickHouse?.(clickhouse) ?? clickhouse, logger, !options.clickhouse);
      // Listen before consuming: a port already in use stops start-up before anything is taken.
      if (config.telemetry.metricsPort > 0) {
        worker.server = await startStatusServer(config.telemetry.metricsPort, config.telemetry.metricsHost, {
          registry: worker.metrics.registry,
          live: () => !worker.stopped,
          readiness: () => worker.readiness(),
        });
      }
      await worker.joinWorkers();
      await worker.rebalancing;
      worker.watchConnection();
      worker.statusTimer = setInterval(() => void worker.pollStatus(), config.telemetry.statusPollMs);
      await worker.pollStatus();
      logger.info({ id: worker.id, nats: config.nats.url, clickhouse: describeTarget(config.clickhouse), partitions: worker.ownedPartitions }, 'worker started');
      return worker;
    } catch (error) {
      if (!options.clickhouse) await clickhouse?.close().catch(() => undefined);
      await nc.close().catch(() => undefined);
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
    m.partitionsOwned.set(this.owned.size);
    let devices = 0;
    for (const [p, c] of this.owned) {
      devices += c.trackedKeys;
      try {
        const info = await this.jsm.consumers.info(stream, consumerName(consumer.prefix, p));
        m.numPending.set({ partition: String(p) }, info.num_pending);
        m.numAckPending.set({ partition: String(p) }, info.num_ack_pending);
      } catch {
        // NATS away: the gauges keep their last values and readiness says why.
      }
    }
    m.devicesTracked.set(devices);
    const ping = await this.clickhouse.ping().catch((error: unknown) => ({ success: false, error }));
    this.health.clickhouseAnswers = ping.success;
    this.readiness();
  }

  /** Partitions this worker consumes now, ascending. */
  get ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((x, y) => x - y);
  }

  private async joinWorkers(): Promise<void> {
    const { consumer } = this.config.nats;
    this.membership = await Membership.join(this.nc, `${consumer.prefix}-workers`, this.id, consumer.heartbeatMs, this.logger, (members) =>
      this.rebalance(members),
    );
  }

  /**
   * Takes the partitions the assignment gives this worker and lets go of the others: a partition
   * let go is drained (flushed and acked) and then unpinned, so its new owner starts at once. While
   * views of the membership differ, the pinned priority group still lets only one worker consume.
   */
  private rebalance(members: string[]): void {
    this.rebalancing = this.rebalancing.then(async () => {
      if (this.stopped) return;
      const { partitions, stream, consumer } = this.config.nats;
      const mine = new Set(partitionsOf(this.id, members, partitions));
      for (const p of mine) if (!this.owned.has(p)) this.own(p);
      const released = [...this.owned.entries()].filter(([p]) => !mine.has(p));
      for (const [p] of released) this.owned.delete(p);
      await Promise.all(released.map(([p, c]) => this.release(c, consumerName(consumer.prefix, p))));
      this.logger.info({ members: members.length, owned: this.ownedPartitions, stream }, 'partitions assigned');
    });
  }

  private async release(partition: PartitionConsumer, name: string): Promise<void> {
    await partition.stop();
    if (!partition.pinned) return;
    const { stream, consumer } = this.config.nats;
    await this.jsm.consumers.unpin(stream, name, consumer.group).catch((error: unknown) => {
      this.logger.debug({ err: (error as Error).message, consumer: name }, 'unpin failed; the pin expires by itself');
    });
  }

  private own(partition: number): void {
    const { config, logger, stats } = this;
    const consumer = new PartitionConsumer({
      js: this.js,
      jsm: this.jsm,
      stream: config.nats.stream,
      consumer: consumerName(config.nats.consumer.prefix, partition),
      filter: partitionFilter(layoutOf(config.nats), partition),
      ackWaitMs: config.nats.consumer.ackWaitMs,
      pull: pullLimits(config.nats.consumer.readAheadMessages, config.nats.consumer.readAheadBytes, config.nats.partitions),
      group: config.nats.consumer.group,
      partition,
      policy: this.policy,
      maxMsgBytes: config.nats.maxMsgBytes,
      handlers: kindHandlers(config),
      writer: this.writer,
      deadLetters: this.deadLetters,
      stats,
      logger,
      signal: this.hardStop.signal,
    });
    consumer.start();
    this.owned.set(partition, consumer);
  }

  /** Resolves once every partition has nothing pending on the server and nothing unacked here. */
  async untilIdle(pollMs = 250): Promise<void> {
    const { stream, consumer, partitions } = this.config.nats;
    for (;;) {
      await sleep(pollMs, this.hardStop.signal);
      if (this.hardStop.signal.aborted || this.stopped) return;
      if (![...this.owned.values()].every((p) => p.idle)) continue;
      let quiet = true;
      for (let p = 0; p < partitions && quiet; p++) {
        const info = await this.jsm.consumers.info(stream, consumerName(consumer.prefix, p));
        quiet = info.num_pending === 0 && info.num_ack_pending === 0;
      }
      if (quiet && [...this.owned.values()].every((p) => p.idle)) return;
    }
  }

  /** Graceful stop: stop pulling, flush and ack every batch, close connections. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      // Leave first so the others start asking for our partitions; the pins fence them until we
      // have flushed, acked and unpinned each one.
      clearInterval(this.statusTimer);
      await this.membership?.leave();
      await this.rebalancing;
      const { prefix } = this.config.nats.consumer;
      const held = [...this.owned.entries()];
      this.owned.clear();
      await Promise.all(held.map(([p, c]) => this.release(c, consumerName(prefix, p))));
      await this.nc.drain().catch(() => undefined);
      if (this.ownsClickHouse) await this.clickhouse.close().catch(() => undefined);
      await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
      const usage = process.resourceUsage();
      this.logger.info(
        { ...this.stats.snapshot(), maxRssBytes: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 },
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
