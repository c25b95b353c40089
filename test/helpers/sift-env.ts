import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { loadConfig, type SiftConfig } from '../../src/config/load.js';
import { startNatsServer, type NatsServer } from '../../src/tools/nats-server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { provision } from '../../src/sources/jetstream/provision.js';

/**
 * One isolated Sift setup for a test: its own nats-server (or NATS_URL with unique stream and
 * subject names), its own ClickHouse database (embedded in a temp dir, or CLICKHOUSE_URL).
 */
export interface SiftTestEnv {
  config: SiftConfig;
  env: NodeJS.ProcessEnv;
  nats: NatsServer | undefined;
  nc: NatsConnection;
  dataDir: string;
  publish(subject: string, body: unknown): Promise<number>;
  dispose(): Promise<void>;
}

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

export async function siftTestEnv(overrides: NodeJS.ProcessEnv = {}): Promise<SiftTestEnv> {
  const nats = process.env.NATS_URL ? undefined : await startNatsServer();
  const id = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'sift-test-'));
  const shared = Boolean(process.env.NATS_URL);
  const env: NodeJS.ProcessEnv = {
    NATS_URL: nats?.url ?? process.env.NATS_URL,
    STREAM_NAME: shared ? `TELEMETRY_${id}` : 'TELEMETRY',
    DLQ_STREAM_NAME: shared ? `TELEMETRY_DLQ_${id}` : 'TELEMETRY_DLQ',
    SUBJECT_PREFIX: shared ? `t${id}` : 'telemetry',
    DLQ_SUBJECT_PREFIX: shared ? `t${id}-dlq` : 'telemetry-dlq',
    CONSUMER_PREFIX: shared ? `sift${id}` : 'sift',
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL ?? '',
    CLICKHOUSE_DATABASE: `sift_test_${id}`,
    CLICKHOUSE_EMBEDDED_PATH: join(dataDir, 'clickhouse'),
    PARTITIONS: '4',
    BATCH_MAX_WAIT_MS: '200',
    CONSUMER_ACK_WAIT_MS: '5000',
    CONSUMER_PINNED_TTL_MS: '3000',
    METRICS_PORT: '0',
    // Alert evaluation has its own tests; elsewhere it would only add load.
    ALERTS_ENABLED: 'false',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests publish readings at fixed dates: a ten-year event-time window (and retention, which
    // bounds it; more would carry the TTL past DateTime's 2106) keeps them valid as the calendar
    // moves on. A test of the window sets its own.
    RETENTION_DAYS: '3650',
    EVENT_TIME_MAX_PAST_S: String(3_650 * 86_400),
    ...overrides,
  };
  const config = loadConfig({ env: { ...env, NODE_ENV: undefined } });
  const nc = await connect({ servers: config.nats.url });
  await provision(nc, config.nats);
  const js = jetstream(nc);
  return {
    config,
    env,
    nats,
    nc,
    dataDir,
    async publish(subject, body) {
      const data = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      return (await js.publish(subject, data)).seq;
    },
    async dispose() {
      if (shared) {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(config.nats.stream).catch(() => undefined);
        await jsm.streams.delete(config.nats.dlqStream).catch(() => undefined);
      }
      await nc.close();
      await nats?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
