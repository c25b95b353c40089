import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { loadConfig } from '../../src/config/load.js';
import { freePort, natsServerBinary } from '../../src/tools/nats-server.js';
import { packageRoot } from '../../src/package-root.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { testLogger } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { until } from '../helpers/until.js';
import { T0 } from '../helpers/readings.js';

const secrets = {
  NATS_SYS_PASSWORD: 'sys-secret',
  NATS_SIFT_PASSWORD: 'sift-secret',
  NATS_DEVICE_PASSWORD: 'device-secret',
  NATS_OPERATOR_PASSWORD: 'operator-secret',
};

/**
 * deploy/nats/nats.conf and accounts.conf as shipped, run as a real 3-node cluster on loopback
 * ports (command-line flags override the listen addresses and routes; only the store path is
 * rewritten), with a worker logging in as the least-privileged `sift` user.
 */
describe('the deploy/nats cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sift-nats-cluster-'));
  const nodes: ChildProcess[] = [];
  const urls: string[] = [];
  let worker: Worker | undefined;
  let clickhouse: ClickHouseClient;
  let device: NatsConnection;

  beforeAll(async () => {
    const binary = natsServerBinary();
    copyFileSync(join(packageRoot, 'deploy/nats/accounts.conf'), join(dir, 'accounts.conf'));
    const routePorts = [await freePort(), await freePort(), await freePort()];
    const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
    for (let i = 0; i < 3; i++) {
      const config = join(dir, `nats-${i + 1}.conf`);
      writeFileSync(
        config,
        readFileSync(join(packageRoot, 'deploy/nats/nats.conf'), 'utf8').replace('/data/jetstream', join(dir, `store-${i + 1}`)),
      );
      const port = await freePort();
      urls.push(`nats://127.0.0.1:${port}`);
      const args = [
        '-c',
        config,
        '-a',
        '127.0.0.1',
        '-p',
        String(port),
        '-m',
        String(await freePort()),
        '--cluster',
        `nats://127.0.0.1:${routePorts[i]}`,
        '--routes',
        routes,
        '-l',
        join(dir, `nats-${i + 1}.log`),
      ];
      nodes.push(spawn(binary, args, { env: { ...process.env, ...secrets, NATS_SERVER_NAME: `nats-${i + 1}` }, stdio: 'ignore' }));
    }
    // Up once the sift user reaches JetStream through every node (each knows the meta leader).
    const answers = async (url: string) => {
      const nc = await connect({ servers: url, user: 'sift', pass: secrets.NATS_SIFT_PASSWORD, reconnect: false }).catch(() => undefined);
      if (!nc) return false;
      const ok = await jetstreamManager(nc, { timeout: 1_000 })
        .then((jsm) => jsm.getAccountInfo())
        .then(
          () => true,
          () => false,
        );
      await nc.close();
      return ok;
    };
    await until(
      async () => (await Promise.all(urls.map(answers))).every(Boolean),
      'every node of the cluster answers JetStream requests',
      60_000,
    );
    device = await connect({ servers: urls, user: 'device-0001', pass: secrets.NATS_DEVICE_PASSWORD });
  });

  afterAll(async () => {
    await worker?.stop();
    await device?.close();
    await clickhouse?.close();
    // Each node writes its store until it has exited: removing it sooner raced with a snapshot (ENOTEMPTY).
    await Promise.all(
      nodes.map((node) =>
        node.exitCode !== null || node.signalCode !== null ? undefined : new Promise((exited) => (node.once('exit', exited), node.kill())),
      ),
    );
    if (!process.env.KEEP_NATS_LOGS) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('refuses a client without credentials', async () => {
    await expect(connect({ servers: urls[0], reconnect: false })).rejects.toThrow(/authorization/i);
  });

  it('a worker with the sift user provisions R3 streams and stores what a device publishes', async () => {
    const config = loadConfig({
      env: {
        NATS_URL: urls.join(','),
        NATS_USER: 'sift',
        NATS_PASSWORD: secrets.NATS_SIFT_PASSWORD,
        STREAM_REPLICAS: '3',
        PARTITIONS: '4',
        CLICKHOUSE_URL: '',
        CLICKHOUSE_EMBEDDED_PATH: join(dir, 'clickhouse'),
        BATCH_MAX_WAIT_MS: '200',
        FILTER_CHANGE_THRESHOLD: '0.000001',
        METRICS_PORT: '0',
        LOG_LEVEL: 'silent',
        NODE_ENV: undefined,
      },
    });
    clickhouse = await createClickHouse(config.clickhouse);
    worker = await Worker.start(config, testLogger, { clickhouse });
    const js = jetstream(device);
    for (let i = 0; i < 20; i++)
      await js.publish(
        'telemetry.metrics.device-0001',
        JSON.stringify({ ts: new Date(T0 + i * 10_000).toISOString(), metrics: { temp: 20 + i } }),
      );
    await until(async () => worker!.stats.acked === 20, 'the worker acks the 20 readings');
    expect(worker.stats.deadLettered).toBe(0);
    const [stored] = await rows<{ n: number }>(
      clickhouse,
      `SELECT uniqExact(stream_seq) AS n FROM ${config.clickhouse.database}.device_metrics`,
    );
    expect(stored!.n).toBe(20);
    const info = await (await jetstreamManager(worker.nc)).streams.info('TELEMETRY');
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas).toHaveLength(2);
  });

  it('a device may not publish as another device nor forge a dead letter; the sift user may not delete the stream', async () => {
    const js = jetstream(device);
    await expect(js.publish('telemetry.metrics.device-0002', '{}', { timeout: 2_000 })).rejects.toThrow(/permission|timeout/i);
    await expect(js.publish('telemetry-dlq.metrics', '{}', { timeout: 2_000 })).rejects.toThrow(/permission|timeout/i);
    const jsm = await jetstreamManager(worker!.nc);
    expect((await jsm.streams.info('TELEMETRY_DLQ')).state.messages).toBe(0);
    await expect(jsm.streams.delete('TELEMETRY')).rejects.toThrow(/permission|timeout/i);
    expect((await jsm.streams.info('TELEMETRY')).state.messages).toBe(20);
  });
});
