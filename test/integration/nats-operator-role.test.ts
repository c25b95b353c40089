import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { packageRoot } from '../../src/package-root.js';
import { freePort, natsServerBinary } from '../../src/tools/nats-server.js';
import { sift, siftOk } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

const secrets = {
  NATS_SYS_PASSWORD: 'sys-secret',
  NATS_SIFT_PASSWORD: 'sift-secret',
  NATS_DEVICE_PASSWORD: 'device-secret',
  NATS_OPERATOR_PASSWORD: 'operator-secret',
};
const denied = /permission|timeout/i;

/**
 * deploy/nats/accounts.conf as shipped, on one nats-server: the worker (`sift`) provisions and
 * dead-letters what a device sends, then the `operator` user runs `sift status` and
 * `sift dlq list|show|replay`, and nothing that would need more than that.
 */
describe('the operator role of deploy/nats/accounts.conf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sift-nats-operator-'));
  let server: ChildProcess;
  let url: string;
  let device: NatsConnection;
  let operator: NatsConnection;
  let workerEnv: NodeJS.ProcessEnv;
  let operatorEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    copyFileSync(join(packageRoot, 'deploy/nats/accounts.conf'), join(dir, 'accounts.conf'));
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'server.conf'),
      `listen: "127.0.0.1:${port}"\nserver_name: operator-test\njetstream { store_dir: "${join(dir, 'js')}" }\ninclude ./accounts.conf\n`,
    );
    server = spawn(natsServerBinary(), ['-c', join(dir, 'server.conf'), '-l', join(dir, 'nats.log')], {
      env: { PATH: process.env.PATH, ...secrets },
      stdio: 'ignore',
    });
    await until(async () => {
      const nc = await connect({ servers: url, user: 'device-0001', pass: secrets.NATS_DEVICE_PASSWORD, reconnect: false }).catch(
        () => undefined,
      );
      if (nc) device = nc;
      return Boolean(nc);
    }, 'nats-server with deploy/nats/accounts.conf is up');
    const common = {
      NATS_URL: url,
      PARTITIONS: '2',
      CLICKHOUSE_URL: '',
      CLICKHOUSE_EMBEDDED_PATH: join(dir, 'clickhouse'),
      METRICS_PORT: '0',
      ALERTS_ENABLED: 'false',
      BATCH_MAX_WAIT_MS: '200',
      RETENTION_DAYS: '3650',
      EVENT_TIME_MAX_PAST_S: String(3_650 * 86_400),
      LOG_LEVEL: 'warn',
      NODE_ENV: '',
      NATS_TOKEN: '',
      NATS_CREDS: '',
      NATS_NKEY_SEED_FILE: '',
    };
    workerEnv = { ...common, NATS_USER: 'sift', NATS_PASSWORD: secrets.NATS_SIFT_PASSWORD };
    operatorEnv = { ...common, NATS_USER: 'operator', NATS_PASSWORD: secrets.NATS_OPERATOR_PASSWORD };
    await siftOk(['provision'], workerEnv);
    const js = jetstream(device);
    await js.publish('telemetry.metrics.device-0001', JSON.stringify({ ts: '2026-11-24T08:00:00Z', metrics: { temperature: 20 } }));
    await js.publish('telemetry.metrics.device-0001', 'not json');
    await siftOk(['worker', '--until-idle'], workerEnv);
    operator = await connect({ servers: url, user: 'operator', pass: secrets.NATS_OPERATOR_PASSWORD });
  });

  afterAll(async () => {
    await device?.close();
    await operator?.close();
    if (server && server.exitCode === null) await new Promise((exited) => (server.once('exit', exited), server.kill()));
    if (!process.env.KEEP_NATS_LOGS) rmSync(dir, { recursive: true, force: true });
  });

  it('runs sift status while a worker runs: live workers, backlog of every partition, dead letters by reason', async () => {
    const worker = sift(['worker'], workerEnv);
    let result = await sift(['status'], operatorEnv).done;
    try {
      await until(
        async () => {
          result = await sift(['status'], operatorEnv).done;
          return result.stdout.includes('live workers (1)');
        },
        'sift status run by the operator lists the live worker',
        60_000,
      );
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('stream TELEMETRY: 2 messages');
    // A consumer it could not read would show "-" for its counts.
    expect(result.stdout).toMatch(/^0\s+sift-p000\s+\S+\s+\S+\s+\d+\s+\d+/m);
    expect(result.stdout).toMatch(/^1\s+sift-p001\s+\S+\s+\S+\s+\d+\s+\d+/m);
    expect(result.stdout).toContain('dead letters in TELEMETRY_DLQ: 1 — not_json 1');
    expect(readFileSync(join(dir, 'nats.log'), 'utf8')).not.toMatch(/user:operator.* Violation/);
  });

  it('runs sift dlq list, show and replay; the replayed message is back in the stream', async () => {
    const list = await siftOk(['dlq', 'list'], operatorEnv);
    const seq = /^(\d+)\s.*not_json/m.exec(list)?.[1];
    expect(seq, list).toBeDefined();
    expect(await siftOk(['dlq', 'show', seq!], operatorEnv)).toContain('not json');
    expect(await siftOk(['dlq', 'replay', '--dry-run'], operatorEnv)).toContain('would replay 1 dead letter(s)');
    expect(await siftOk(['dlq', 'replay'], operatorEnv)).toContain('replayed 1 dead letter(s), removed 0 duplicate(s), refused 0');
    const jsm = await jetstreamManager(operator);
    expect((await jsm.streams.info('TELEMETRY')).state.messages).toBe(3);
    expect((await jsm.streams.info('TELEMETRY_DLQ')).state.messages).toBe(0);
    expect(readFileSync(join(dir, 'nats.log'), 'utf8')).not.toMatch(/user:operator.* Violation/);
  });

  it('may not delete or purge a stream, change a consumer, forge a dead letter, or write the journal or membership', async () => {
    const jsm = await jetstreamManager(operator);
    await expect(jsm.streams.delete('TELEMETRY')).rejects.toThrow(denied);
    await expect(jsm.streams.purge('TELEMETRY')).rejects.toThrow(denied);
    await expect(jsm.streams.purge('TELEMETRY_DLQ')).rejects.toThrow(denied);
    await expect(jsm.streams.deleteMessage('TELEMETRY', 1)).rejects.toThrow(denied);
    await expect(jsm.consumers.delete('TELEMETRY', 'sift-p000')).rejects.toThrow(denied);
    await expect(jsm.consumers.update('TELEMETRY', 'sift-p000', { description: 'mine' })).rejects.toThrow(denied);
    const js = jetstream(operator);
    await expect(js.publish('telemetry-dlq.metrics', '{}', { timeout: 2_000 })).rejects.toThrow(denied);
    await expect(js.publish('$KV.sift-journal.p000', '{}', { timeout: 2_000 })).rejects.toThrow(denied);
    await expect(js.publish('$KV.sift-workers.someone', '{}', { timeout: 2_000 })).rejects.toThrow(denied);
    await expect(jsm.streams.getMessage('TELEMETRY', { seq: 1 })).rejects.toThrow(denied);
    await expect(new Kvm(operator).create('sift-mine')).rejects.toThrow(denied);
    // Consuming telemetry is the worker's: no consumer of its own on TELEMETRY, no pull from the worker's.
    await expect(jetstream(operator).consumers.get('TELEMETRY')).rejects.toThrow(denied);
    const purge = await sift(['dlq', 'purge', '--all'], operatorEnv).done;
    expect(purge.code).toBe(1);
    const provision = await sift(['provision'], { ...operatorEnv, STREAM_NAME: 'OTHER' }).done;
    expect(provision.code).toBe(1);
  });
});
