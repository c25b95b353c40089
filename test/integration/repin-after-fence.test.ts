import { afterAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { simulate } from '../../src/simulate/publish.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { until } from '../helpers/until.js';

/** Two workers on one partition, both claiming it; whatever a test starts is stopped after it. */
function onePartitionPair() {
  const pair = {
    t: undefined as unknown as SiftTestEnv,
    clickhouse: undefined as unknown as ClickHouseClient,
    first: undefined as Worker | undefined,
    second: undefined as Worker | undefined,
    async start(env: NodeJS.ProcessEnv) {
      pair.t = await siftTestEnv({
        PARTITIONS: '1',
        WORKER_PARTITIONS: '0',
        WORKER_HEARTBEAT_MS: '200',
        FILTER_CHANGE_THRESHOLD: '0.000001',
        ...env,
      });
      pair.clickhouse = await createClickHouse(pair.t.config.clickhouse);
      const { stream, consumer } = pair.t.config.nats;
      const jsm = await jetstreamManager(pair.t.nc);
      const name = consumerName(consumer.prefix, 0);
      return {
        ackFloor: async () => (await jsm.consumers.info(stream, name)).ack_floor.stream_seq,
        unpin: () => jsm.consumers.unpin(stream, name, consumer.group),
      };
    },
  };
  afterAll(async () => {
    await pair.first?.stop();
    await pair.second?.stop();
    await pair.clickhouse?.close();
    await pair.t?.dispose();
  });
  return pair;
}

/**
 * Moves the pin until `worker` takes messages: the server pins whichever worker pulls first after
 * an unpin. A pinned worker begins its session (takeover, rewind) at the first message it is sent,
 * so each try publishes one and waits.
 */
async function pinTo(worker: Worker, unpin: () => Promise<unknown>, publishOne: () => Promise<unknown>): Promise<void> {
  for (let tries = 0; worker.stats.received === 0; tries++) {
    if (tries > 20) throw new Error('the worker was never pinned');
    await unpin();
    await publishOne();
    // Long enough for a takeover and its rewind on a loaded machine: an unpin in the middle of one
    // only moves the pin back, and the next try starts over.
    for (let waited = 0; waited < 5_000 && worker.stats.received === 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the raw table and the hourly rollup hold of the first `published` messages, and which have no rows. */
async function storedSummary(clickhouse: ClickHouseClient, db: string, published: number) {
  const [stored] = await rows<{ seqs: number; rows: number; distinct: number; hourly: number }>(
    clickhouse,
    `SELECT uniqExact(stream_seq) AS seqs, count() AS rows, uniqExact(stream_seq, metric) AS distinct,
            (SELECT sum(samples) FROM ${db}.device_metrics_hourly_v) AS hourly
     FROM ${db}.device_metrics`,
  );
  const [missing] = await rows<{ seqs: number[] }>(
    clickhouse,
    `SELECT groupArray(number) AS seqs FROM numbers(1, ${published}) WHERE number NOT IN (SELECT stream_seq FROM ${db}.device_metrics)`,
  );
  return { ...stored!, missing: missing!.seqs };
}

/**
 * Both workers claim the one partition (WORKER_PARTITIONS), so the server's pin decides who reads
 * it. The first loses the pin with a batch not yet committed, the second takes the partition (a new
 * journal epoch fences the first) and stores those messages itself; then the second stops and the
 * first is pinned again. Its old batch must never be stored, and its new hold must store and ack
 * what comes next: a fenced committer used to stay fenced, and the partition stalled for good.
 */
describe('a worker pinned again after another fenced it', () => {
  const pair = onePartitionPair();

  it('drops its old batch, then stores and acks everything exactly once', async () => {
    // Batches cut only by age, late enough that the first worker still holds one when it loses the pin.
    const { ackFloor, unpin } = await pair.start({ BATCH_MAX_WAIT_MS: '3000' });
    const { t, clickhouse } = pair;
    let published = 0;
    const publish = async (count: number) => {
      await simulate(t.config, {
        devices: 5,
        count,
        rate: 0,
        seed: published + 1,
        intervalS: 10,
        startMs: Date.parse('2026-11-01T00:00:00Z') + published * 10_000,
      });
      published += count;
    };

    const first = (pair.first = await Worker.start(t.config, testLogger, { clickhouse }));
    await publish(10);
    await until(async () => (await ackFloor()) === 10, 'the first worker stores the first messages');
    const second = (pair.second = await Worker.start(t.config, testLogger, { clickhouse }));

    // The first worker takes these into a batch that waits for its cut.
    await publish(100);
    await until(() => first.stats.received === 110, 'the first worker takes the next messages');
    await pinTo(second, unpin, () => publish(1));
    await until(async () => (await ackFloor()) === published, 'the second worker stores everything the first left', 20_000);
    const fencedAt = published;

    const secondStats = { filtered: second.stats.filtered, deadLettered: second.stats.deadLettered };
    await second.stop();
    pair.second = undefined;
    await publish(50);
    await until(async () => (await ackFloor()) === published, 'the first worker, pinned again, stores and acks what comes next', 20_000);
    expect(first.stats.received).toBeGreaterThan(110);

    const stored = await storedSummary(clickhouse, t.config.clickhouse.database, published);
    // Said with the failure: which messages have no rows, and whether a worker dropped or dead-lettered any.
    const why = `without rows: ${JSON.stringify(stored.missing)}; first worker filtered ${first.stats.filtered}, dead-lettered ${first.stats.deadLettered}; second ${JSON.stringify(secondStats)}`;
    expect(stored.seqs, why).toBe(published);
    expect(stored.rows).toBe(stored.distinct);
    // Every message stores all its metrics here: the rollups count each value once.
    expect(stored.hourly).toBe(stored.rows);
    expect(fencedAt).toBeGreaterThan(110);
  });
});

/**
 * The first worker judges messages into a batch, loses the pin, and the second takes the partition
 * but stores nothing (it is stopped at once). Pinned again, the first is sent the same messages
 * again: its filter must judge them afresh. Judged against the references its dropped batch left,
 * each device's last message compared equal to itself and was filtered out: acked, never stored.
 */
describe('a worker pinned again after a successor that stored nothing', () => {
  const pair = onePartitionPair();

  it('stores the messages it had batched before, every one', async () => {
    const { ackFloor, unpin } = await pair.start({ BATCH_MAX_WAIT_MS: '6000', CONSUMER_ACK_WAIT_MS: '15000' });
    const { t, clickhouse } = pair;
    const publish = (count: number, seed: number) =>
      simulate(t.config, { devices: 5, count, rate: 0, seed, intervalS: 10, startMs: Date.parse('2026-11-01T00:00:00Z') + seed * 10_000 });

    let first = (pair.first = await Worker.start(t.config, testLogger, { clickhouse }));
    let second = (pair.second = await Worker.start(t.config, testLogger, { clickhouse }));
    // Whichever is pinned first takes these into a batch that waits for its cut.
    await publish(60, 1);
    await until(() => first.stats.received + second.stats.received === 60, 'one worker takes the messages');
    if (second.stats.received > 0) [first, second] = [second, first];
    pair.first = first;
    pair.second = second;

    let published = 60;
    await pinTo(second, unpin, () => publish(1, ++published));
    // Stopped before its batch is cut: it stores nothing, and its leaving unpins the partition.
    second.abort();
    await second.stop();
    pair.second = undefined;
    // One more message, so the first begins its session now rather than at the redeliveries' ack wait.
    await publish(1, ++published);
    await until(async () => (await ackFloor()) === published, 'the first worker, pinned again, stores and acks everything', 30_000);
    // It took the first 60 twice: in the batch it lost, and again after the second left.
    expect(first.stats.received).toBeGreaterThanOrEqual(120);

    const stored = await storedSummary(clickhouse, t.config.clickhouse.database, published);
    expect(stored.seqs, `without rows: ${JSON.stringify(stored.missing)}; first worker filtered ${first.stats.filtered}`).toBe(published);
    expect(stored.rows).toBe(stored.distinct);
    expect(stored.hourly).toBe(stored.rows);
  });
});
