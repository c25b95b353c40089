import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { freePort, natsServerBinary } from '../../src/tools/nats-server.js';
import { sift, siftOk } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

/** A password with every character that once cut masking short; each part is long enough to find in output. */
const pass = 'Pa55@w0rd:x7k/q9z%';
const parts = ['Pa55', 'w0rd', 'x7k', 'q9z'];
const leaks = (text: string) => parts.filter((p) => text.includes(p));

/**
 * A nats-server that only lets in user "sift" with that password, and the built CLI signing in
 * with the credentials inside NATS_URL, the only place they are given.
 */
describe('secrets in NATS_URL and every output', () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let nc: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sift-secrets-'));
    port = await freePort();
    server = spawn(
      natsServerBinary(),
      ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'js'), '--user', 'sift', '--pass', pass],
      { stdio: 'ignore' },
    );
    await until(async () => {
      nc = await connect({ servers: `nats://127.0.0.1:${port}`, user: 'sift', pass, reconnect: false }).catch(
        () => undefined as unknown as NatsConnection,
      );
      return Boolean(nc);
    }, 'nats-server with user/password auth is up');
    env = {
      // As an operator would paste it: the password unencoded.
      NATS_URL: `nats://sift:${pass}@127.0.0.1:${port}`,
      NATS_USER: '',
      NATS_PASSWORD: '',
      NATS_TOKEN: '',
      NATS_CREDS: '',
      CLICKHOUSE_URL: '',
      CLICKHOUSE_EMBEDDED_PATH: join(dir, 'clickhouse'),
      CLICKHOUSE_DATABASE: 'sift_secrets',
      PARTITIONS: '2',
      METRICS_PORT: '0',
      ALERTS_ENABLED: 'false',
      BATCH_MAX_WAIT_MS: '200',
      RETENTION_DAYS: '3650',
      EVENT_TIME_MAX_PAST_S: String(3_650 * 86_400),
      LOG_LEVEL: 'debug',
      NODE_ENV: '',
    };
  });
  afterAll(async () => {
    await nc?.close();
    server?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the user and password of NATS_URL, and no output shows them', async () => {
    const provision = await sift(['provision'], env).done;
    expect(provision.stderr, provision.stderr).toBe('');
    expect(provision.code).toBe(0);
    await jetstream(nc).publish('telemetry.metrics.dev-1', JSON.stringify({ ts: '2026-11-24T08:00:00Z', metrics: { temperature: 20 } }));
    await jetstream(nc).publish('telemetry.metrics.dev-1', 'not json');
    const worker = await sift(['worker', '--until-idle'], env).done;
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stderr).toContain('"nats":"nats://sift:***@127.0.0.1:');
    expect(leaks(worker.stdout + worker.stderr)).toEqual([]);
    expect(await siftOk(['status'], env)).toContain('dead letters');
  });

  it('refuses credentials in NATS_URL together with another way to sign in, in one line', async () => {
    const creds = join(dir, 'sift.creds');
    writeFileSync(creds, 'not used');
    const result = await sift(['provision'], { ...env, NATS_CREDS: creds }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^sift: invalid configuration: credentials in nats\.url \(NATS_URL\) and nats\.creds \(NATS_CREDS\) are set together[^\n]*\n/,
    );
    expect(leaks(result.stderr)).toEqual([]);
  });

  it('sift config masks the userinfo of every URL-valued key and every sensitive key', async () => {
    const shown = await sift(['config'], {
      ...env,
      CLICKHOUSE_URL: `https://bob:${encodeURIComponent(pass)}@ch.example:8443`,
      ALERTMANAGER_URL: `http://carol:${encodeURIComponent(pass)}@am.example:9093`,
      ALERT_GENERATOR_URL: `https://${encodeURIComponent(pass)}@grafana.example/d/sift`,
      ALERT_WEBHOOK_URL: 'https://hooks.example/services/T0/B0/q9zWEBHOOK',
    }).done;
    expect(shown.code, shown.stderr).toBe(0);
    expect(leaks(shown.stdout + shown.stderr)).toEqual([]);
    const config = JSON.parse(shown.stdout) as { nats: { url: string }; alerts: Record<string, string> };
    expect(config.nats.url).toBe(`nats://sift:***@127.0.0.1:${port}`);
    expect(config.alerts).toMatchObject({
      alertmanagerUrl: 'http://carol:***@am.example:9093',
      generatorUrl: 'https://***@grafana.example/d/sift',
      webhookUrl: '[redacted]',
    });
  });

  it('a configuration error and its stack at LOG_LEVEL=debug show no part of the password', async () => {
    for (const bad of [
      { NATS_URL: `nats://sift:${pass}@127.0.0.1:${port}/x` },
      { ALERTMANAGER_URL: `ftp://carol:${pass}@am.example` },
      { PARTITIONS: 'many' },
    ]) {
      const result = await sift(['config'], { ...env, ...bad }).done;
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^sift: invalid configuration: /);
      expect(result.stderr).toMatch(/^\s+at /m);
      expect(leaks(result.stderr)).toEqual([]);
    }
  });
});
