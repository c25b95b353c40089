import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '../sources/jetstream/connect.js';
import { consumerName } from '../sources/jetstream/subjects.js';
import type { ClickHouseClient } from '../sinks/clickhouse/client.js';
import { AckStallClock } from '../telemetry/ack-stall.js';
import type { Readiness } from '../telemetry/http-server.js';
import type { Logger } from '../telemetry/logger.js';
import type { SiftMetrics } from '../telemetry/metrics.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';

/** What the status poll reads of a partition this worker consumes. */
export interface PolledPartition {
  readonly trackedKeys: number;
}

export interface HealthOptions {
  nc: NatsConnection;
  jsm: JetStreamManager;
  clickhouse: ClickHouseClient;
  stream: string;
  consumerPrefix: string;
  metrics: SiftMetrics;
  stats: PipelineStats;
  log: Logger;
}

/**
 * The worker's readiness and liveness: NATS connected, ClickHouse answering, migrations applied,
 * inserts not failing; and the status poll that keeps the pending, lag and size gauges current.
 */
export class WorkerHealth {
  natsConnected = true;
  clickhouseAnswers = true;
  insertsSucceeding = true;
  migrationsApplied = true;
  private readonly ackStall = new AckStallClock();

  constructor(private readonly o: HealthOptions) {}

  /** Ready: NATS connected, ClickHouse answers, migrations applied, and inserts are not failing (and not stopping). */
  readiness(stopping: boolean): Readiness {
    const checks = {
      nats_connected: this.natsConnected,
      clickhouse_answers: this.clickhouseAnswers,
      migrations_applied: this.migrationsApplied,
      inserts_succeeding: this.insertsSucceeding,
    };
    const ready = Object.values(checks).every(Boolean) && !stopping;
    this.o.metrics.ready.set(ready ? 1 : 0);
    return { ready, checks };
  }

  /** Follows the NATS connection's status for readiness. */
  watchConnection(): void {
    void (async () => {
      for await (const status of this.o.nc.status()) {
        if (status.type === 'disconnect') {
          this.natsConnected = false;
          this.o.log.warn('NATS disconnected; reconnecting');
        } else if (status.type === 'reconnect') {
          this.natsConnected = true;
          this.o.log.info('NATS reconnected');
        }
      }
    })();
  }

  /**
   * Pending counts from the server (not guessed), a ClickHouse ping, and in-memory sizes.
   * `stillOwned` tells a partition released meanwhile, whose series are gone.
   */
  async poll(
    owned: ReadonlyArray<readonly [number, PolledPartition]>,
    stillOwned: (partition: number, run: PolledPartition) => boolean,
    stopping: boolean,
  ): Promise<void> {
    const m = this.o.metrics;
    m.partitionsOwned.set(owned.length);
    let devices = 0;
    let pending: number | undefined = 0;
    for (const [p, run] of owned) {
      devices += run.trackedKeys;
      try {
        const info = await this.o.jsm.consumers.info(this.o.stream, consumerName(this.o.consumerPrefix, p));
        if (!stillOwned(p, run)) continue;
        m.numPending.set({ partition: String(p) }, info.num_pending);
        m.numAckPending.set({ partition: String(p) }, info.num_ack_pending);
        if (pending !== undefined) pending += info.num_pending + info.num_ack_pending;
      } catch {
        // NATS away: the gauges keep their last values and readiness says why.
        pending = undefined;
      }
    }
    m.devicesTracked.set(devices);
    m.secondsSinceLastAck.set(this.ackStall.observe(pending, this.o.stats.lastAckedAt, Date.now()));
    const ping = await this.o.clickhouse.ping().catch((error: unknown) => ({ success: false, error }));
    this.clickhouseAnswers = ping.success;
    this.readiness(stopping);
  }
}
