import { hostname } from 'node:os';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { SiftConfig } from './config/load.js';
import { BatchPolicy } from './batch/batch-policy.js';
import type { KindHandler } from './kinds/kind-handler.js';
import { DeviceMetricsHandler } from './kinds/metrics/handler.js';
import { createClickHouse, describeTarget, type ClickHouseClient } from './sinks/clickhouse/client.js';
import { migrate } from './sinks/clickhouse/migrations.js';
import { ClickHouseWriter } from './sinks/clickhouse/writer.js';
import { DeadLetterPublisher } from './sinks/dead-letter/dead-letter-publisher.js';
import { connectNats, type NatsConnection } from './sources/jetstream/connect.js';
import { PartitionConsumer } from './sources/jetstream/partition-consumer.js';
import { layoutOf, provision } from './sources/jetstream/provision.js';
import { consumerName, partitionFilter } from './sources/jetstream/subjects.js';
import { sleep } from './sinks/clickhouse/retry.js';
import { filterSettings } from './transforms/device-filter/device-filter.js';
import type { Logger } from './telemetry/logger.js';
import { PipelineStats } from './telemetry/pipeline-stats.js';

/** The event kinds a partition understands, each with its own keyed state for that partition. */
function kindHandlers(config: SiftConfig, stats: PipelineStats): Map<string, KindHandler> {
  const handlers: KindHandler[] = [new DeviceMetricsHandler(filterSettings(config.filter), stats)];
  return new Map(handlers.map((h) => [h.kind, h]));
}

/** A running worker: NATS and ClickHouse ready, one consumer loop per partition. */
export class Worker {
  readonly stats = new PipelineStats();
  private readonly partitions: PartitionConsumer[] = [];
  private readonly hardStop = new AbortController();
  private stopped: Promise<void> | undefined;
  private readonly stoppedByRequest: Promise<void>;
  private markStopped!: () => void;

  private constructor(
    readonly config: SiftConfig,
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly clickhouse: ClickHouseClient,
    private readonly logger: Logger,
  ) {
    this.stoppedByRequest = new Promise((resolve) => (this.markStopped = resolve));
  }

  /** Resolves when stop() has finished (e.g. after SIGTERM). */
  whenStopped(): Promise<void> {
    return this.stoppedByRequest;
  }

  /**
   * Connects, provisions NATS and migrates ClickHouse (both idempotent), then starts consuming.
   * `wrapClickHouse` lets a test put a fault-injecting wrapper around the real client.
   */
  static async start(config: SiftConfig, logger: Logger, options: { wrapClickHouse?: (client: ClickHouseClient) => ClickHouseClient } = {}): Promise<Worker> {
    const nc = await connectNats(config.nats, `sift-worker ${hostname()}:${process.pid}`);
    let clickhouse: ClickHouseClient | undefined;
    try {
      const report = await provision(nc, config.nats);
      if (report.created.length > 0) logger.info({ created: report.created }, 'provisioned NATS');
      clickhouse = await createClickHouse(config.clickhouse);
      const ran = await migrate(clickhouse, { database: config.clickhouse.database, retentionDays: config.clickhouse.retentionDays });
      if (ran.length > 0) logger.info({ migrations: ran }, 'migrated ClickHouse');
      const worker = new Worker(config, nc, await jetstreamManager(nc), options.wrapClickHouse?.(clickhouse) ?? clickhouse, logger);
      worker.startPartitions();
      logger.info({ nats: config.nats.url, clickhouse: describeTarget(config.clickhouse), partitions: config.nats.partitions }, 'worker started');
      return worker;
    } catch (error) {
      await clickhouse?.close().catch(() => undefined);
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  private startPartitions(): void {
    const { config, logger, stats } = this;
    const js = jetstream(this.nc);
    const writer = new ClickHouseWriter(this.clickhouse, config.clickhouse.database, config.clickhouse.retry, logger, {
      onRetry: () => stats.insertRetries++,
    });
    const deadLetters = new DeadLetterPublisher(js, config.nats.stream, config.nats.dlqSubjectPrefix, logger, this.hardStop.signal);
    const policy = new BatchPolicy(config.batch);
    for (let partition = 0; partition < config.nats.partitions; partition++) {
      const consumer = new PartitionConsumer({
        js,
        jsm: this.jsm,
        stream: config.nats.stream,
        consumer: consumerName(config.nats.consumer.prefix, partition),
        filter: partitionFilter(layoutOf(config.nats), partition),
        ackWaitMs: config.nats.consumer.ackWaitMs,
        group: config.nats.consumer.group,
        partition,
        policy,
        maxMsgBytes: config.nats.maxMsgBytes,
        handlers: kindHandlers(config, stats),
        writer,
        deadLetters,
        stats,
        logger,
        signal: this.hardStop.signal,
      });
      consumer.start();
      this.partitions.push(consumer);
    }
  }

  /** Resolves once every partition has nothing pending on the server and nothing unacked here. */
  async untilIdle(pollMs = 250): Promise<void> {
    const { stream, consumer, partitions } = this.config.nats;
    for (;;) {
      await sleep(pollMs, this.hardStop.signal);
      if (this.hardStop.signal.aborted || this.stopped) return;
      if (!this.partitions.every((p) => p.idle)) continue;
      let quiet = true;
      for (let p = 0; p < partitions && quiet; p++) {
        const info = await this.jsm.consumers.info(stream, consumerName(consumer.prefix, p));
        quiet = info.num_pending === 0 && info.num_ack_pending === 0;
      }
      if (quiet && this.partitions.every((p) => p.idle)) return;
    }
  }

  /** Graceful stop: stop pulling, flush and ack every batch, close connections. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await Promise.all(this.partitions.map((p) => p.stop()));
      await this.nc.drain().catch(() => undefined);
      await this.clickhouse.close().catch(() => undefined);
      this.logger.info(this.stats.snapshot(), 'worker stopped');
      this.markStopped();
    })();
    return this.stopped;
  }

  /** Abandons retries at once: unfinished batches stay unacked and are redelivered later. */
  abort(): void {
    this.hardStop.abort();
  }
}
