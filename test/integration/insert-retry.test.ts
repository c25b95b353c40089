import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { faultyInserts, unknownCode, unparsable } from '../helpers/faulty-clickhouse.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';
import { until } from '../helpers/until.js';

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
    const [n] = await rows<{ n: number; seqs: number }>(
      worker.clickhouse,
      `SELECT count() AS n, uniqExact(stream_seq) AS seqs FROM ${t.config.clickhouse.database}.device_metrics`,
    );
    expect(n).toEqual({ n: 20, seqs: 20 });
    const [s] = await rows<{ n: number }>(
      worker.clickhouse,
      `SELECT sum(samples) AS n FROM ${t.config.clickhouse.database}.device_metrics_hourly_v`,
    );
    expect(s!.n).toBe(20);
    const after = await jsm.consumers.info(t.config.nats.stream, consumerName('sift', 0));
    expect(after.num_ack_pending + after.num_pending).toBe(0);
  });
});

/** Rows of an insert that hold `device` anywhere: ClickHouse is made to reject exactly those inserts. */
const holds = (device: string) => (params: { values?: unknown }) => JSON.stringify(params.values ?? '').includes(`"${device}"`);

describe.each([
  ['as bad data', unparsable],
  ['with an error of unknown class while the server answers a ping and a probe insert', unknownCode],
])('a batch ClickHouse rejects %s', (_, error) => {
  let t: SiftTestEnv;
  let worker: Worker;

  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '1', BATCH_MAX_WAIT_MS: '500', INSERT_RETRY_INITIAL_MS: '20', INSERT_RETRY_MAX_MS: '50' });
    for (let i = 0; i < 10; i++) await t.publish(`telemetry.metrics.r-${i}`, { ts: 1_790_000_000_000 + i, metrics: { v: i } });
    await t.publish('telemetry.metrics.r-bad', 'not json');
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('isolates the rejected message, dead-letters it once with the reason, stores the others and acks', async () => {
    const poisoned = holds('r-3');
    worker = await Worker.start(t.config, testLogger, { wrapClickHouse: (c) => faultyInserts(c, (params) => poisoned(params), error) });
    await worker.untilIdle();
    const jsm = await jetstreamManager(t.nc);
    const dlq = await jsm.streams.info(t.config.nats.dlqStream);
    expect(dlq.state.messages).toBe(2);
    const seen: string[] = [];
    for (let seq = 1; seq <= 2; seq++) {
      const msg = (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
      seen.push(`${msg.header!.get(DEAD_LETTER_HEADERS.reason)} ${msg.header!.get(DEAD_LETTER_HEADERS.sequence)}`);
      if (msg.header!.get(DEAD_LETTER_HEADERS.reason) === 'insert_rejected') {
        expect(JSON.parse(new TextDecoder().decode(msg.data)).metrics).toEqual({ v: 3 });
        expect(msg.header!.get(DEAD_LETTER_HEADERS.detail)).toContain('DB::Exception');
      }
    }
    expect(seen.sort()).toEqual(['insert_rejected 4', 'not_json 11']);
    const db = t.config.clickhouse.database;
    const [n] = await rows<{ n: number; seqs: number }>(
      worker.clickhouse,
      `SELECT count() AS n, uniqExact(stream_seq) AS seqs FROM ${db}.device_metrics`,
    );
    expect(n).toEqual({ n: 9, seqs: 9 });
    // The rollups count the nine stored readings, not the rejected one.
    const [s] = await rows<{ n: number; devices: number }>(
      worker.clickhouse,
      `SELECT sum(samples) AS n, uniqExact(device_id) AS devices FROM ${db}.device_metrics_hourly_v`,
    );
    expect(s).toEqual({ n: 9, devices: 9 });
    const after = await jsm.consumers.info(t.config.nats.stream, consumerName('sift', 0));
    expect(after.num_ack_pending + after.num_pending).toBe(0);
    expect(worker.stats.deadLettered).toBe(2);
    expect(worker.stats.deadLetteredByReason).toEqual({ insert_rejected: 1, not_json: 1 });
    expect(worker.stats.storedMessages).toBe(9);
    const scrape = await worker.metrics.registry.getSingleMetricAsString('sift_insert_isolated_messages_total');
    expect(scrape).toMatch(/sift_insert_isolated_messages_total 1$/m);
  });
});

describe('inserts failing at a backlog', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  const broken = { on: true };

  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '1', BATCH_MAX_ROWS: '50', INSERT_RETRY_INITIAL_MS: '50', INSERT_RETRY_MAX_MS: '100' });
    for (let i = 0; i < 500; i++) await t.publish(`telemetry.metrics.b-${i % 25}`, { ts: 1_790_000_000_000 + i * 1000, metrics: { v: i } });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('holds at most the failing batch and one full batch, then stores everything once', async () => {
    worker = await Worker.start(t.config, testLogger, { wrapClickHouse: (c) => faultyInserts(c, () => broken.on) });
    await until(() => worker.stats.insertRetries >= 5, 'inserts retried');
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.stats.received).toBeGreaterThanOrEqual(50);
    expect(worker.stats.received).toBeLessThanOrEqual(100);
    broken.on = false;
    await worker.untilIdle();
    expect(worker.stats.received).toBe(500);
    const [n] = await rows<{ n: number }>(
      worker.clickhouse,
      `SELECT sum(samples) AS n FROM ${t.config.clickhouse.database}.device_metrics_hourly_v`,
    );
    expect(n!.n).toBe(500);
  });
});
