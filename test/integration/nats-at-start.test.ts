import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { freePort, startNatsServer } from '../../src/tools/nats-server.js';
import { sift } from '../helpers/cli.js';
import { readyz, metricSum, scrape } from '../helpers/scrape.js';
import { until } from '../helpers/until.js';

/** A worker process whose NATS is not there yet: it must wait, not exit. */
describe('NATS not reachable at start', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setting(extra: NodeJS.ProcessEnv = {}) {
    const natsPort = await freePort();
    const metricsPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'sift-start-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = {
      // Credentials in the URL: each attempt's log line must show them masked.
      NATS_URL: `nats://alice:s3cret-pw@127.0.0.1:${natsPort}`,
      CLICKHOUSE_URL: '',
      CLICKHOUSE_EMBEDDED_PATH: join(dataDir, 'clickhouse'),
      CLICKHOUSE_DATABASE: 'sift_start',
      PARTITIONS: '2',
      BATCH_MAX_WAIT_MS: '200',
      CONSUMER_ACK_WAIT_MS: '5000',
      CONSUMER_PINNED_TTL_MS: '3000',
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      STATUS_POLL_MS: '200',
      ALERTS_ENABLED: 'false',
      LOG_LEVEL: 'info',
      NODE_ENV: '',
      ...extra,
    };
    return { natsPort, metricsPort, dataDir, env };
  }

  it('a worker waits (live, not ready, a masked line per attempt), then consumes once nats-server comes up on its port', async () => {
    const { natsPort, metricsPort, dataDir, env } = await setting();
    const run = sift(['worker'], env);
    cleanup.push(() => void run.child.kill('SIGKILL'));

    await until(
      async () => (await readyz(metricsPort).catch(() => undefined))?.status === 503,
      'the waiting worker answers /readyz',
      20_000,
    );
    const waiting = await readyz(metricsPort);
    expect(waiting.body).toMatchObject({ status: 'not ready', failing: expect.arrayContaining(['nats_connected']) });
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
    // Long past the half second in which it used to exit 1.
    await until(
      () =>
        run
          .stderrSoFar()
          .split('\n')
          .filter((l) => l.includes('not reachable')).length >= 3,
      'three attempts are logged',
      20_000,
    );
    expect(run.child.exitCode).toBeNull();
    const attempts = run
      .stderrSoFar()
      .split('\n')
      .filter((l) => l.includes('not reachable'));
    for (const [i, line] of attempts.slice(0, 3).entries()) {
      const entry = JSON.parse(line) as { msg: string; attempt: number; level: number };
      expect(entry.attempt).toBe(i + 1);
      expect(entry.msg).toContain(`NATS at nats://alice:***@127.0.0.1:${natsPort} (NATS_URL) not reachable (attempt ${i + 1}`);
    }
    expect(run.stderrSoFar()).not.toContain('s3cret-pw');

    const nats = await startNatsServer({ port: natsPort, storeDir: join(dataDir, 'nats') });
    cleanup.push(() => nats.dispose());
    await until(async () => (await readyz(metricsPort)).status === 200, 'the worker is ready', 60_000);

    const nc = await connect({ servers: nats.url });
    cleanup.push(() => nc.close());
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) {
      await js.publish(
        `telemetry.heartbeat.inst-${i}`,
        JSON.stringify({ ts: new Date().toISOString(), app: 'shop', status: 'ok', interval_s: 60 }),
      );
    }
    await until(async () => metricSum(await scrape(metricsPort), 'sift_messages_stored_total') === 5, 'the five beats are stored', 30_000);

    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('stored 5 messages');
  });

  it('a SIGTERM while it waits ends the worker at once with exit 0', async () => {
    const { metricsPort, env } = await setting();
    const run = sift(['worker'], env);
    cleanup.push(() => void run.child.kill('SIGKILL'));
    await until(
      async () => (await readyz(metricsPort).catch(() => undefined))?.status === 503,
      'the waiting worker answers /readyz',
      20_000,
    );
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('stopped while waiting for NATS');
  });

  it('a one-shot command gives up after NATS_START_RETRY_S in one line', async () => {
    const { natsPort, env } = await setting({ NATS_START_RETRY_S: '2' });
    const started = Date.now();
    const result = await sift(['provision'], env).done;
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThan(1_500);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^sift: cannot connect to NATS at nats://alice:\\*\\*\\*@127\\.0\\.0\\.1:${natsPort} \\(NATS_URL\\) after \\d+ attempts in [\\d.]+ s \\(NATS_START_RETRY_S\\): connection refused$`,
      ),
    );
    expect(lines.filter((l) => l.includes('not reachable')).length).toBeGreaterThanOrEqual(1);
    expect(result.stderr).not.toContain('s3cret-pw');
  });
});
