import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { freePort } from '../../src/tools/nats-server.js';
import { packageRoot } from '../../src/package-root.js';
import { createSiftClient } from '../../packages/client/src/index.js';
import { Spool } from '../../packages/client/src/spool/spool.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { storedEvents } from '../helpers/client-stream.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const writer = join(packageRoot, 'packages', 'client', 'test', 'fixtures', 'spool-writer.mjs');

/** Runs the spool writer against a port nobody listens on; resolves once it spooled `count`, then SIGKILLs it. */
async function spoolThenKill(spoolDir: string, count: number): Promise<void> {
  const deadPort = await freePort();
  const child = spawn(process.execPath, [writer, `nats://127.0.0.1:${deadPort}`, spoolDir, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`spooled ${count}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`spool writer exited (${code}) before spooling: ${out}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('@sift/client spool: kept across a killed process, bounded by its cap', () => {
  let t: SiftTestEnv;
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sift-client-spool-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    const clientRoot = join(packageRoot, 'packages', 'client');
    const entry = (JSON.parse(readFileSync(join(clientRoot, 'package.json'), 'utf8')) as { main: string }).main;
    if (!existsSync(join(clientRoot, entry))) throw new Error('packages/client/dist is missing: run npm run build');
    t = await siftTestEnv();
  });
  afterAll(async () => {
    await t?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('sends what a SIGKILLed process left in its spool once restarted, in order, and a worker stores it', async () => {
    const spoolDir = freshDir();
    await spoolThenKill(spoolDir, 2_000);
    const client = await createSiftClient({ servers: t.config.nats.url, spoolDir });
    expect(client.stats().spoolEvents).toBe(2_000);
    expect(await client.ready(60_000)).toBe(true);
    const stats = await client.close();
    expect(stats).toMatchObject({ sent: 2_000, spoolEvents: 0, dropped: 0 });
    const stored = await storedEvents(t.nc, t.config.nats.stream);
    expect(stored.map((e) => (e.body.metrics as { v: number }).v)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    const worker = await Worker.start(t.config, testLogger);
    try {
      await worker.untilIdle();
      const db = t.config.clickhouse.database;
      const [raw] = await rows<{ n: number; seqs: number }>(
        worker.clickhouse,
        `SELECT count() AS n, uniqExact(stream_seq) AS seqs FROM ${db}.device_metrics`,
      );
      expect(raw!.n).toBe(raw!.seqs); // the filter keeps some readings, each once
      const [rollup] = await rows<{ n: number }>(worker.clickhouse, `SELECT sum(samples) AS n FROM ${db}.device_metrics_hourly_v`);
      expect(rollup!.n).toBe(2_000); // and counts every one
    } finally {
      await worker.stop();
    }
  });

  it('drops the oldest events beyond spoolMaxBytes, counts them, and sends the newest', async () => {
    const jsmBefore = (await storedEvents(t.nc, t.config.nats.stream)).length;
    const spoolDir = freshDir();
    const cap = 64 * 1024;
    const deadPort = await freePort();
    const offline = await createSiftClient({ servers: `nats://127.0.0.1:${deadPort}`, spoolDir, spoolMaxBytes: cap });
    const total = 3_000;
    for (let i = 0; i < total; i++) {
      offline.metrics('capped', { ts: T0 + i, metrics: { v: i } });
      expect(offline.stats().spoolBytes).toBeLessThanOrEqual(cap);
    }
    const held = await offline.close({ deadlineMs: 100 });
    expect(held.dropped).toBeGreaterThan(0);
    expect(held.dropped + held.spoolEvents).toBe(total);
    expect(held.spoolBytes).toBeLessThanOrEqual(cap);

    const online = await createSiftClient({ servers: t.config.nats.url, spoolDir, spoolMaxBytes: cap });
    expect(await online.ready(30_000)).toBe(true);
    await online.close();
    const sent = (await storedEvents(t.nc, t.config.nats.stream)).slice(jsmBefore);
    expect(sent.map((e) => (e.body.metrics as { v: number }).v)).toEqual(
      Array.from({ length: held.spoolEvents }, (_, k) => total - held.spoolEvents + k),
    );
  });

  it('resends an event a crash left in the spool after it was stored; JetStream drops the repeat by its id', async () => {
    const sender = await createSiftClient({ servers: t.config.nats.url, spoolDir: freshDir() });
    sender.metrics('dedup-1', { ts: T0, metrics: { v: 42 } });
    await sender.close();
    const before = await storedEvents(t.nc, t.config.nats.stream);
    const original = before.at(-1)!;
    expect(original.key).toBe('dedup-1');
    // The process died after the ack but before the spool's cursor moved past the event.
    const crashed = freshDir();
    const spool = Spool.open(crashed, 1 << 20);
    spool.append({ id: original.msgId!, subject: `${t.config.nats.subjectPrefix}.metrics.dedup-1`, data: JSON.stringify(original.body) });
    spool.close();
    const restarted = await createSiftClient({ servers: t.config.nats.url, spoolDir: crashed });
    expect(await restarted.ready(30_000)).toBe(true);
    expect(await restarted.close()).toMatchObject({ sent: 1, deduplicated: 1, spoolEvents: 0 });
    expect(await storedEvents(t.nc, t.config.nats.stream)).toHaveLength(before.length);
  });
});
