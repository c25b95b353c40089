import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { simulate } from '../../src/simulate/publish.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';

describe('nats-server restarted under load', () => {
  let t: SiftTestEnv;
  let worker: Worker;

  beforeAll(async () => {
    // Every message stored (the byte counter always moves), so "nothing lost" is "every sequence stored".
    t = await siftTestEnv({ FILTER_CHANGE_THRESHOLD: '0.000001', BATCH_MAX_ROWS: '2000', WORKER_HEARTBEAT_MS: '500' });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it.skipIf(Boolean(process.env.NATS_URL))('reconnects, carries on, and loses nothing', async () => {
    const first = 20_000;
    await simulate(t.config, { devices: 50, count: first, rate: 0, seed: 21, intervalS: 10, startMs: Date.parse('2026-11-07T00:00:00Z') });
    worker = await Worker.start(t.config, testLogger);
    while (worker.stats.acked === 0) await new Promise((r) => setTimeout(r, 5));
    expect(worker.stats.acked).toBeLessThan(first);

    await t.nats!.stop();
    await new Promise((r) => setTimeout(r, 500));
    await t.nats!.restart();
    // The test's own connection reconnects too; publish more after the restart.
    await simulate(t.config, { devices: 50, count: 5_000, rate: 0, seed: 22, intervalS: 10, startMs: Date.parse('2026-11-08T00:00:00Z') });
    await worker.untilIdle();

    const [stored] = await rows<{ seqs: number }>(
      worker.clickhouse,
      `SELECT uniqExact(stream_seq) AS seqs FROM ${t.config.clickhouse.database}.device_metrics`,
    );
    expect(stored!.seqs).toBe(first + 5_000);
    const [counted] = await rows<{ n: number }>(
      worker.clickhouse,
      `SELECT sum(samples) AS n FROM ${t.config.clickhouse.database}.device_metrics_hourly_v`,
    );
    expect(counted!.n).toBeGreaterThanOrEqual((first + 5_000) * 5);
  });
});
