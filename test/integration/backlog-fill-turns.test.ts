import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';

/**
 * At a backlog, partitions take turns to fill their batches (BATCH_BACKLOG_FILLERS): with one turn
 * among four partitions, batches wait for it, and still every message is stored once, counted once
 * in the rollups and acked.
 */
describe('backlog fill turns', () => {
  const messages = 4_000;
  let t: SiftTestEnv;
  let clickhouse: ClickHouseClient;

  beforeAll(async () => {
    // A long pin TTL makes the longest wait for a turn 10 s, so no partition fills without one here.
    t = await siftTestEnv({
      PARTITIONS: '4',
      BATCH_MAX_ROWS: '100',
      BATCH_BACKLOG_FILLERS: '1',
      CONSUMER_PINNED_TTL_MS: '30000',
      FILTER_CHANGE_THRESHOLD: '0.000001',
    });
    clickhouse = await createClickHouse(t.config.clickhouse);
    const js = jetstream(t.nc);
    for (let i = 0; i < messages; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, k) =>
          js.publish(`telemetry.metrics.dev-${(i + k) % 40}`, JSON.stringify({ metrics: { v: i + k + 1 } })),
        ),
      );
    }
  });
  afterAll(async () => {
    await clickhouse?.close();
    await t?.dispose();
  });

  it('stores and acks every message once while partitions wait for their turn', async () => {
    const worker = await Worker.start(t.config, testLogger, { clickhouse });
    const turns = worker.fillTurns!;
    let most = 0;
    let least = 0;
    const watch = setInterval(() => {
      most = Math.max(most, turns.filling);
      least = Math.min(least, turns.filling);
    }, 1);
    await worker.untilIdle();
    await worker.stop();
    clearInterval(watch);
    expect({ most, least, atEnd: turns.filling }).toEqual({ most: 1, least: 0, atEnd: 0 });
    const stats = worker.stats.snapshot();
    expect(stats.fillTurnWaits).toBeGreaterThan(0);
    expect(stats.acked).toBe(messages);
    const db = t.config.clickhouse.database;
    const [stored] = await rows<{ n: number; seqs: number }>(
      clickhouse,
      `SELECT count() AS n, uniqExact(stream_seq) AS seqs FROM ${db}.device_metrics`,
    );
    expect(stored).toEqual({ n: messages, seqs: messages });
    const [rollup] = await rows<{ samples: number }>(clickhouse, `SELECT sum(samples) AS samples FROM ${db}.device_metrics_hourly_v`);
    expect(rollup!.samples).toBe(messages);
    const jsm = await jetstreamManager(t.nc);
    for (let p = 0; p < t.config.nats.partitions; p++) {
      const info = await jsm.consumers.info(t.config.nats.stream, consumerName(t.config.nats.consumer.prefix, p));
      expect({ partition: p, pending: info.num_pending, unacked: info.num_ack_pending }).toEqual({ partition: p, pending: 0, unacked: 0 });
    }
  });
});
