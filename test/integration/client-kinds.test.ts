import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { kinds } from '../../src/kinds/registry.js';
import {
  createSiftClient,
  idTime,
  InvalidEventError,
  kindNames,
  type KindName,
  type SiftClientStats,
} from '../../packages/client/src/index.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { sampleEvents, storedEvents, type StoredEvent } from '../helpers/client-stream.js';
import { until } from '../helpers/until.js';

const PER_KIND = 20;

describe('@sift/client: every registered kind, end to end', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let spoolDir: string;
  let published: Array<{ kind: string; key: string; body: Record<string, unknown> }>;
  let closed: SiftClientStats;
  let stored: StoredEvent[];

  beforeAll(async () => {
    t = await siftTestEnv();
    spoolDir = mkdtempSync(join(tmpdir(), 'sift-client-kinds-'));
    const client = await createSiftClient({
      servers: t.config.nats.url,
      subjectPrefix: t.config.nats.subjectPrefix,
      spoolDir,
      heartbeat: { instanceId: 'sdk-instance-7', app: 'desk', version: '2.1.0', intervalS: 600 },
    });
    expect(await client.ready(20_000)).toBe(true);
    published = [];
    for (const kind of kindNames) {
      for (const { key, body } of sampleEvents(kind, PER_KIND)) {
        client.publish(kind as KindName, key, body as never);
        published.push({ kind, key, body });
      }
    }
    // The typed wrapper is the same path.
    (client as unknown as Record<string, (key: string, body: unknown) => void>)[kindNames[0]]!(
      'typed-1',
      sampleEvents(kindNames[0], 1)[0]!.body,
    );
    published.push({ kind: kindNames[0], key: 'typed-1', body: sampleEvents(kindNames[0], 1)[0]!.body });
    closed = await client.close({ deadlineMs: 20_000 });
    stored = await storedEvents(t.nc, t.config.nats.stream);
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('sends everything before close returns, spooling nothing', () => {
    expect(closed).toMatchObject({ sent: published.length + 2, inFlight: 0, queued: 0, spoolEvents: 0, dropped: 0, mode: 'online' });
  });

  it('stores each event once, in order, under <prefix>.<kind>.<key> with its body', () => {
    const events = stored.filter((e) => e.kind !== 'heartbeat' || e.key !== 'sdk-instance-7');
    expect(events.map(({ kind, key, body }) => ({ kind, key, body }))).toEqual(published);
  });

  it('gives every message a unique, time-ordered Nats-Msg-Id', () => {
    const ids = stored.map((e) => e.msgId!);
    expect(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('registers the instance with a heartbeat carrying the system fields, and says goodbye on close', () => {
    const beats = stored.filter((e) => e.kind === 'heartbeat' && e.key === 'sdk-instance-7');
    expect(beats).toHaveLength(2);
    const [first, last] = beats;
    expect(first!.body).toMatchObject({ app: 'desk', version: '2.1.0', interval_s: 600 });
    expect(first!.body.status).toBeUndefined();
    expect(Object.keys(first!.body.system as object).sort()).toEqual([
      'arch',
      'cpu_count',
      'hostname',
      'memory_bytes',
      'os',
      'os_version',
      'runtime',
      'runtime_version',
    ]);
    expect(first!.body.system).toMatchObject({ runtime: 'node', runtime_version: process.versions.node, cpu_count: expect.any(Number) });
    expect(last!.body).toMatchObject({ app: 'desk', status: 'stopping' });
    expect(first!.seq).toBe(1);
    expect(last!.seq).toBe(stored.length);
  });

  it('lets a worker store them all: nothing dead-lettered but an unregistered heartbeat kind', async () => {
    const heartbeatRegistered = kindNames.includes('heartbeat' as KindName);
    expect(worker.stats.received).toBe(stored.length);
    expect(worker.stats.deadLettered).toBe(heartbeatRegistered ? 0 : 2);
    for (const kind of kinds) {
      const raw = kind.retainedTables.find((table) => table.retention === 'raw')!;
      const [row] = await rows<{ n: number }>(
        worker.clickhouse,
        `SELECT uniqExact(stream_seq) AS n FROM ${t.config.clickhouse.database}.${raw.table}`,
      );
      expect(row!.n, `${kind.name} rows in ${raw.table}`).toBeGreaterThan(0);
    }
  });
});

describe('@sift/client: heartbeats on their interval, and refusals at the call', () => {
  let t: SiftTestEnv;
  let spoolDir: string;

  beforeAll(async () => {
    t = await siftTestEnv();
    spoolDir = mkdtempSync(join(tmpdir(), 'sift-client-beat-'));
  });
  afterAll(async () => {
    await t?.dispose();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('beats every intervalS, then once with status stopping; refuses bad events before sending anything', async () => {
    const client = await createSiftClient({
      servers: t.config.nats.url,
      spoolDir,
      heartbeat: { instanceId: 'fast-1', app: 'desk', intervalS: 0.2 },
    });
    await until(async () => (await storedEvents(t.nc, t.config.nats.stream)).length >= 4, 'four heartbeats', 10_000);

    const kind = kindNames[0] as KindName;
    const { key, body } = sampleEvents(kind, 1)[0]!;
    expect(() => client.publish(kind, 'a.b', body as never)).toThrow(/key "a\.b" holds a dot/);
    expect(() => client.publish(kind, key, { ...body, not_in_the_schema: 1 } as never)).toThrow(InvalidEventError);
    expect(() => client.publish(kind, key, { ...body, not_in_the_schema: 1 } as never)).toThrow(/unexpected property "not_in_the_schema"/);
    expect(() => client.publish('gizmos' as KindName, key, body as never)).toThrow(/unknown kind "gizmos"/);

    const stats = await client.close();
    const stored = await storedEvents(t.nc, t.config.nats.stream);
    expect(stored.every((e) => e.kind === 'heartbeat' && e.key === 'fast-1')).toBe(true);
    expect(stored.length).toBe(stats.sent);
    expect(stored.at(-1)!.body.status).toBe('stopping');
    expect(stored.slice(0, -1).every((e) => e.body.status === undefined && typeof e.body.system === 'object')).toBe(true);
    // The periodic beats are about intervalS apart (the id carries its millisecond).
    const made = stored.slice(0, -1).map((e) => idTime(e.msgId!));
    const gaps = made.slice(1).map((ms, i) => ms - made[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150);
  });
});
