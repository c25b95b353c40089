import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { faultyInserts } from '../helpers/faulty-clickhouse.js';

describe('inserts failing for a while', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  const seen = { attempts: 0 };

  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '1', INSERT_RETRY_INITIAL_MS: '50', INSERT_RETRY_MAX_MS: '200' });
    for (let i = 0; i < 20; i++) await t.publish(`telemetry.metrics.m-${i}`, { ts: 1_790_000_000_000 + i, metrics: { v: i } });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('keeps the messages unacked while failing, then stores them once and acks', async () => {
    const jsm = await jetstreamManager(t.nc);
    worker = await Worker.start(t.config, testLogger, { wrapClickHouse: (c) => faultyInserts(c, () => ++seen.attempts <= 4) });
    // While inserts fail nothing may be acked.
    while (seen.attempts < 3) await new Promise((r) => setTimeout(r, 10));
    const during = await jsm.consumers.info(t.config.nats.stream, consumerName('sift', 0));
    expect(during.ack_floor.stream_seq).toBe(0);

    await worker.untilIdle();
    expect(worker.stats.insertRetries).toBeGreaterThanOrEqual(4);
    const [n] = await rows<{ n: number; seqs: number }>(worker.clickhouse, `SELECT count() AS n, uniqExact(stream_seq) AS seqs FROM ${t.config.clickhouse.database}.device_metrics`);
    expect(n).toEqual({ n: 20, seqs: 20 });
    const [s] = await rows<{ n: number }>(worker.clickhouse, `SELECT sum(samples) AS n FROM ${t.config.clickhouse.database}.device_metrics_hourly_v`);
    expect(s!.n).toBe(20);
    const after = await jsm.consumers.info(t.config.nats.stream, consumerName('sift', 0));
    expect(after.num_ack_pending + after.num_pending).toBe(0);
  });
});
