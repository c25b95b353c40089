import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { provision } from '../../src/sources/jetstream/provision.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';

/**
 * The journal says what a partition's consumer has stored. Deleting the consumers and making them
 * again (to replay the stream into a new database) starts afresh: nothing is skipped as stored.
 */
describe('journal and a consumer made again', () => {
  let t: SiftTestEnv;
  let clickhouse: ClickHouseClient;

  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '2', FILTER_CHANGE_THRESHOLD: '0.000001' });
    clickhouse = await createClickHouse(t.config.clickhouse);
  });
  afterAll(async () => {
    await clickhouse?.close();
    await t?.dispose();
  });

  it('replays every message into a new database', async () => {
    for (let i = 0; i < 50; i++) await t.publish(`telemetry.metrics.dev-${i % 5}`, { metrics: { v: i + 1 } });
    const first = await Worker.start(t.config, testLogger, { clickhouse });
    await first.untilIdle();
    await first.stop();
    const jsm = await jetstreamManager(t.nc);
    for (let p = 0; p < t.config.nats.partitions; p++) await jsm.consumers.delete(t.config.nats.stream, consumerName('sift', p));
    await provision(t.nc, t.config.nats);
    const replay = { ...t.config, clickhouse: { ...t.config.clickhouse, database: `${t.config.clickhouse.database}_replay` } };
    const second = await Worker.start(replay, testLogger, { clickhouse });
    await second.untilIdle();
    await second.stop();
    const [n] = await rows<{ n: number }>(
      clickhouse,
      `SELECT uniqExact(stream_seq) AS n FROM ${replay.clickhouse.database}.device_metrics`,
    );
    expect(n!.n).toBe(50);
    expect(second.stats.snapshot().storedMessages).toBe(50);
  });
});
