import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { createSiftClient, type SiftClient } from '../../packages/client/src/index.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { until } from '../helpers/until.js';
import { connect } from '@nats-io/transport-node';
import { storedEvents } from '../helpers/client-stream.js';

/**
 * The stream read back over a connection made now: the environment's own one may still be
 * reconnecting after the server's restart, its requests queued past their timeout (seen once in CI).
 */
async function storedAfterRestart(t: SiftTestEnv) {
  const nc = await connect({ servers: t.config.nats.url });
  try {
    return await storedEvents(nc, t.config.nats.stream);
  } finally {
    await nc.close();
  }
}

const BEFORE = 500;
const DURING = 10_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');
// 100 devices whose one value flips between 0 and 1000: the filter stores every reading.
const reading = (i: number) => ({ key: `d-${i % 100}`, body: { ts: T0 + i, metrics: { v: (Math.floor(i / 100) % 2) * 1000 } } });

describe('@sift/client: a NATS outage loses and duplicates nothing', () => {
  let t: SiftTestEnv;
  let client: SiftClient;
  let spoolDir: string;
  let worker: Worker;
  let slowestCallMs = 0;
  let spooledDuringOutage = 0;

  beforeAll(async () => {
    t = await siftTestEnv();
    spoolDir = mkdtempSync(join(tmpdir(), 'sift-client-outage-'));
    client = await createSiftClient({ servers: t.config.nats.url, spoolDir, ackTimeoutMs: 2_000, retry: { initialMs: 100, maxMs: 1_000 } });
    expect(await client.ready(20_000)).toBe(true);
    let i = 0;
    for (; i < BEFORE; i++) client.metrics(reading(i).key, reading(i).body);
    await until(() => client.stats().sent === BEFORE, 'the first events are acked');

    await t.nats!.stop();
    for (; i < BEFORE + DURING; i++) {
      const started = performance.now();
      client.metrics(reading(i).key, reading(i).body);
      slowestCallMs = Math.max(slowestCallMs, performance.now() - started);
    }
    spooledDuringOutage = client.stats().spoolEvents + client.stats().queued + client.stats().inFlight;
    await new Promise((r) => setTimeout(r, 1_500)); // replay attempts fail meanwhile
    await t.nats!.restart();
    expect(await client.ready(90_000)).toBe(true);
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  });

  afterAll(async () => {
    await client?.close({ deadlineMs: 1_000 });
    await worker?.stop();
    await t?.dispose();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('never blocks a call while the server is away', () => {
    expect(spooledDuringOutage).toBe(DURING);
    expect(slowestCallMs).toBeLessThan(200);
  });

  it('acks every event exactly once once the server is back, with nothing left in the spool', () => {
    expect(client.stats()).toMatchObject({ sent: BEFORE + DURING, dropped: 0, spoolEvents: 0, spoolBytes: 0, inFlight: 0, mode: 'online' });
    expect(client.stats().spooled).toBeGreaterThanOrEqual(DURING);
  });

  it('leaves one stream message per event, in publish order', async () => {
    const stored = await storedAfterRestart(t);
    expect(stored).toHaveLength(BEFORE + DURING);
    expect(stored.map((e) => e.body.ts)).toEqual(Array.from({ length: BEFORE + DURING }, (_, i) => T0 + i));
    expect(new Set(stored.map((e) => e.msgId)).size).toBe(BEFORE + DURING);
  });

  it('stores each event once in ClickHouse', async () => {
    const db = t.config.clickhouse.database;
    const [raw] = await rows<{ n: number; seqs: number }>(
      worker.clickhouse,
      `SELECT count() AS n, uniqExact(stream_seq) AS seqs FROM ${db}.device_metrics`,
    );
    expect(raw).toEqual({ n: BEFORE + DURING, seqs: BEFORE + DURING });
    const [rollup] = await rows<{ n: number }>(worker.clickhouse, `SELECT sum(samples) AS n FROM ${db}.device_metrics_hourly_v`);
    expect(rollup!.n).toBe(BEFORE + DURING);
  });
});

describe('@sift/client: a server killed mid-stream, acks lost in flight, loses and duplicates nothing', () => {
  let t: SiftTestEnv;
  let spoolDir: string;

  beforeAll(async () => {
    t = await siftTestEnv();
    spoolDir = mkdtempSync(join(tmpdir(), 'sift-client-kill-'));
  });
  afterAll(async () => {
    await t?.dispose();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('resends the unacknowledged under their ids, which JetStream deduplicates', async () => {
    const total = 20_000;
    const client = await createSiftClient({
      servers: t.config.nats.url,
      spoolDir,
      maxInFlight: 512,
      ackTimeoutMs: 1_000,
      retry: { initialMs: 100, maxMs: 500 },
    });
    expect(await client.ready(20_000)).toBe(true);
    let killed = false;
    for (let i = 0; i < total; i++) {
      client.metrics(reading(i).key, reading(i).body);
      if (i % 500 === 499) await new Promise((r) => setImmediate(r)); // a producer that yields, as a server does
      if (!killed && client.stats().sent >= 3_000 && client.stats().inFlight > 0) {
        killed = true;
        await t.nats!.stop(true); // SIGKILL with publishes in flight
        setTimeout(() => void t.nats!.restart(), 1_000);
      }
    }
    expect(killed).toBe(true);
    expect(await client.ready(90_000)).toBe(true);
    const stats = await client.close();
    expect(stats).toMatchObject({ sent: total, dropped: 0, spoolEvents: 0 });
    const stored = await storedAfterRestart(t);
    const times = stored.map((e) => e.body.ts as number);
    expect(new Set(times).size).toBe(total);
    expect(stored).toHaveLength(total);
    expect(new Set(stored.map((e) => e.msgId)).size).toBe(total);
  });
});
