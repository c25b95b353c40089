import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { simulate } from '../../src/simulate/publish.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { until } from '../helpers/until.js';

describe('two workers', () => {
  let t: SiftTestEnv;
  let clickhouse: ClickHouseClient;
  let a: Worker;
  let b: Worker;

  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '8', WORKER_HEARTBEAT_MS: '200', FILTER_CHANGE_THRESHOLD: '0.000001' });
    clickhouse = await createClickHouse(t.config.clickhouse);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await clickhouse?.close();
    await t?.dispose();
  });

  it('split the partitions between them, each partition owned by one', async () => {
    a = await Worker.start(t.config, testLogger, { clickhouse });
    b = await Worker.start(t.config, testLogger, { clickhouse });
    await until(
      () => a.ownedPartitions.length + b.ownedPartitions.length === 8 && a.ownedPartitions.length > 0 && b.ownedPartitions.length > 0,
      'both own partitions',
    );
    expect([...a.ownedPartitions, ...b.ownedPartitions].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The first worker exported all 8 partitions' pending counts before the second joined; the ones
    // it released must go, or summed backlogs count them twice.
    const series = async (w: Worker) =>
      JSON.stringify((await w.metrics.numPending.get()).values.map((v) => Number(v.labels.partition)).sort((x, y) => x - y));
    await until(
      async () => (await series(a)) === JSON.stringify(a.ownedPartitions),
      'the first worker exports only the partitions it owns',
    );

    await simulate(t.config, { devices: 40, count: 4_000, rate: 0, seed: 5, intervalS: 10, startMs: Date.parse('2026-11-02T00:00:00Z') });
    await a.untilIdle();
    expect(a.stats.received).toBeGreaterThan(0);
    expect(b.stats.received).toBeGreaterThan(0);
    expect(a.stats.received + b.stats.received).toBe(4_000);
    // Each device's first contact was seen by exactly one worker.
    const [firsts] = await rows<{ n: number; devices: number }>(
      clickhouse,
      `SELECT countIf(reason = 'first_contact') / 5 AS n, uniqExact(device_id) AS devices FROM ${t.config.clickhouse.database}.device_metrics`,
    );
    expect(firsts).toEqual({ n: 40, devices: 40 });
  });

  it("hands a stopped worker's partitions to the other, which drains what comes next", async () => {
    await a.stop();
    await until(() => b.ownedPartitions.length === 8, 'the other worker owns every partition');
    await simulate(t.config, { devices: 40, count: 2_000, rate: 0, seed: 6, intervalS: 10, startMs: Date.parse('2026-11-03T00:00:00Z') });
    await b.untilIdle();
    const [stored] = await rows<{ seqs: number }>(
      clickhouse,
      `SELECT uniqExact(stream_seq) AS seqs FROM ${t.config.clickhouse.database}.device_metrics`,
    );
    expect(stored!.seqs).toBe(6_000);
  });
});
