import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { simulate } from '../../src/simulate/publish.js';
import { freePort } from '../../src/tools/nats-server.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { metricSum, readyz, scrape } from '../helpers/scrape.js';
import { loadConfig } from '../../src/config/load.js';
import { until } from '../helpers/until.js';
import { faultyInserts } from '../helpers/faulty-clickhouse.js';

describe('an operable worker', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let port: number;
  const broken = { on: false };

  beforeAll(async () => {
    port = await freePort();
    t = await siftTestEnv({
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      STATUS_POLL_MS: '100',
      INSERT_RETRY_INITIAL_MS: '50',
      INSERT_RETRY_MAX_MS: '200',
    });
    worker = await Worker.start(t.config, testLogger, { wrapClickHouse: (c) => faultyInserts(c, () => broken.on) });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('is live and ready, and exports its build', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(await readyz(port)).toMatchObject({ status: 200, body: { status: 'ready' } });
    const text = await scrape(port);
    expect(text).toMatch(/sift_build_info\{version="0\.1\.0",git_sha="[^"]+"\} 1/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(metricSum(text, 'sift_partitions_owned')).toBe(4);
  });

  it('accounts for every message: received = stored + filtered out + dead-lettered', async () => {
    await simulate(t.config, { devices: 30, count: 3_000, rate: 0, seed: 11, intervalS: 10, startMs: Date.parse('2026-11-05T00:00:00Z') });
    await t.publish('telemetry.metrics.dev-00001', 'broken');
    await t.publish('telemetry.nope.dev-00001', '{}');
    await worker.untilIdle();
    const text = await scrape(port);
    const received = metricSum(text, 'sift_messages_received_total');
    expect(received).toBe(3_002);
    const stored = metricSum(text, 'sift_messages_stored_total');
    const filtered = metricSum(text, 'sift_messages_filtered_out_total');
    const dead = metricSum(text, 'sift_messages_dead_lettered_total');
    expect(stored).toBeGreaterThan(0);
    expect(filtered).toBeGreaterThan(0);
    expect(dead).toBe(2);
    expect(metricSum(text, 'sift_messages_dead_lettered_total', { kind: 'unknown', reason: 'unknown_kind' })).toBe(1);
    expect(stored + filtered + dead).toBe(received);
    expect(metricSum(text, 'sift_messages_in_flight')).toBe(0);
    expect(metricSum(text, 'sift_messages_acked_total')).toBe(received);
    expect(metricSum(text, 'sift_filter_devices_tracked')).toBe(30);
    expect(metricSum(text, 'sift_batch_rows_count')).toBe(metricSum(text, 'sift_acks_total'));
    expect(metricSum(text, 'sift_clickhouse_insert_duration_seconds_count', { table: 'device_metrics' })).toBeGreaterThan(0);
    expect(text).not.toMatch(/dev-000/); // never a device id in a label
  });

  it('turns unready while inserts fail, keeps messages unacked, and recovers by itself', async () => {
    broken.on = true;
    await simulate(t.config, { devices: 30, count: 300, rate: 0, seed: 12, intervalS: 10, startMs: Date.parse('2026-11-06T00:00:00Z') });
    await until(async () => (await readyz(port)).status === 503, 'readiness turns false');
    expect((await readyz(port)).body.failing).toEqual(['inserts_succeeding']);
    await until(
      async () => metricSum(await scrape(port), 'sift_consumer_num_ack_pending') === 300,
      'the pending gauges show the unacked messages',
    );
    const during = await scrape(port);
    expect(metricSum(during, 'sift_clickhouse_insert_retries_total', { error_class: 'network' })).toBeGreaterThan(0);
    expect(metricSum(during, 'sift_messages_in_flight')).toBe(300);

    broken.on = false;
    await worker.untilIdle();
    await until(async () => (await readyz(port)).status === 200, 'readiness recovers');
    const after = await scrape(port);
    expect(metricSum(after, 'sift_messages_received_total')).toBe(3_302);
    expect(metricSum(after, 'sift_messages_in_flight')).toBe(0);
    await until(async () => metricSum(await scrape(port), 'sift_consumer_num_ack_pending') === 0, 'the next poll shows nothing unacked');
  });

  it('refuses to start on a metrics port already in use, before consuming anything', async () => {
    const config = loadConfig({ env: { ...t.env, NODE_ENV: undefined } });
    await expect(Worker.start(config, testLogger, { clickhouse: worker.clickhouse })).rejects.toThrow(
      /metrics port 127\.0\.0\.1:\d+ \(METRICS_PORT\) is in use/,
    );
  });
});
