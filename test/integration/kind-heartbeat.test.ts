import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';
import { deadLetterReasons } from '../helpers/dead-letter-reasons.js';
import { insertSettings } from '../../src/sinks/clickhouse/insert-settings.js';
import { HEARTBEATS } from '../../src/kinds/heartbeat/rows.js';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';
import { loadRules } from '../../src/alerts/rules.js';
import { query as alertQuery } from '../../src/alerts/engine.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Beat {
  instance: string;
  ts: number;
  app: string;
  version?: string;
  status?: string;
  interval_s?: number;
  system?: Record<string, string | number>;
}

describe('heartbeat kind: heartbeats, instances_v and stale_instances_v', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let db: string;
  const now = Date.now();
  const beats: Beat[] = [];
  const bad = new Map<number, string>();

  const send = async (beat: Beat) => {
    const { instance, ts, ...body } = beat;
    await t.publish(`telemetry.heartbeat.${instance}`, { ts: new Date(ts).toISOString(), ...body });
    beats.push(beat);
  };

  beforeAll(async () => {
    t = await siftTestEnv({ RETENTION_DAYS: '90', EVENT_TIME_MAX_PAST_S: String(90 * 86_400) });
    db = t.config.clickhouse.database;
    const system = {
      os: 'linux',
      os_version: '6.8.0',
      arch: 'arm64',
      hostname: 'web-1',
      runtime: 'node',
      runtime_version: '20.19.0',
      cpu_count: 4,
      memory_bytes: 8_589_934_592,
    };
    await send({ instance: 'web-1', ts: now - 10 * MINUTE, app: 'shop', version: '1.0.0', status: 'starting', interval_s: 60, system });
    for (const [body, reason] of [
      [{ version: '1' }, 'schema'],
      [{ app: 'shop', interval_s: 0 }, 'schema'],
      [{ app: 'shop', system: { os: 'linux', gpu: 'none' } }, 'schema'],
      [{ app: 'shop', system: { cpu_count: 2.5 } }, 'schema'],
      [{ app: 'shop', uptime: 5 }, 'schema'],
      [[1, 2], 'schema'],
      [{ app: 'shop', ts: '2026-11-23T19:20:00' }, 'schema'],
      ['not json', 'not_json'],
    ] as Array<[unknown, string]>)
      bad.set(await t.publish('telemetry.heartbeat.web-1', body), reason);
    await send({
      instance: 'web-1',
      ts: now - 30_000,
      app: 'shop',
      version: '1.0.1',
      status: 'ok',
      interval_s: 60,
      system: { ...system, memory_bytes: 17_179_869_184 },
    });
    // An instance that never says its interval (hourly by default), last seen 3 h ago: stale.
    await send({ instance: 'batch-7', ts: now - 5 * HOUR, app: 'reports' });
    await send({ instance: 'batch-7', ts: now - 3 * HOUR, app: 'reports', version: '0.9' });
    // Clean stops: the last beat says so (as @sift/client's close() sends it), hours ago.
    await send({ instance: 'shop-2', ts: now - 5 * HOUR, app: 'shop', status: 'ok', interval_s: 60 });
    await send({ instance: 'shop-2', ts: now - 4 * HOUR, app: 'shop', status: 'stopping', interval_s: 60 });
    await send({ instance: 'cron-1', ts: now - 2 * DAY, app: 'cron', status: 'Stopped', interval_s: 60 });
    // Stopped, then restarted under the same id: it reappears with its next beat, and silence after
    // that counts again (shop-3 went silent an hour after its restart; shop-4 beats now).
    await send({ instance: 'shop-3', ts: now - 5 * HOUR, app: 'shop', status: 'stopping', interval_s: 60 });
    await send({ instance: 'shop-3', ts: now - 4 * HOUR, app: 'shop', status: 'starting', interval_s: 60 });
    await send({ instance: 'shop-4', ts: now - 5 * HOUR, app: 'shop', status: 'stopping', interval_s: 60 });
    await send({ instance: 'shop-4', ts: now - 20_000, app: 'shop', status: 'ok', interval_s: 60 });

    // Seeded instances over the last 10 days: each beats at its interval, then stays silent for either
    // well under or well over twice its interval (no instance near the border).
    const random = seededRandom(4);
    for (let i = 0; i < 12; i++) {
      const interval = [60, 300, 3600][i % 3]!;
      const silentFor = (random() < 0.5 ? 0.3 : 4 + random() * 10) * interval * 1000;
      const last = Math.round(now - silentFor);
      const count = 3 + Math.floor(random() * 20);
      const step = Math.min(interval * 1000, Math.floor((10 * DAY) / count));
      for (let k = count - 1; k >= 0; k--) {
        await send({
          instance: `node-${i}`,
          ts: last - k * step,
          app: i % 2 ? 'api' : 'worker',
          version: `1.${count - k}`,
          status: random() < 0.2 ? 'degraded' : 'ok',
          interval_s: interval,
        });
      }
    }
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  /** instances_v as the beats imply it: counts, first and last seen, and the newest beat's fields. */
  function expectedInstances() {
    const byInstance = new Map<string, Beat[]>();
    for (const b of beats) byInstance.set(b.instance, [...(byInstance.get(b.instance) ?? []), b]);
    return [...byInstance]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([instance_id, list]) => {
        const newest = list.reduce((a, b) => (b.ts >= a.ts ? b : a));
        return {
          instance_id,
          app: newest.app,
          version: newest.version ?? '',
          status: newest.status ?? '',
          interval_s: newest.interval_s ?? 3600,
          first_seen: Math.min(...list.map((b) => b.ts)),
          last_seen: newest.ts,
          heartbeats: list.length,
        };
      });
  }

  it('stores every beat, and dead-letters bad bodies with their reasons', async () => {
    const [{ n }] = (await rows<{ n: number }>(worker.clickhouse, `SELECT count() AS n FROM ${db}.heartbeats`)) as [{ n: number }];
    expect(n).toBe(beats.length);
    const letters = await deadLetterReasons(t);
    expect(new Map([...letters].map(([seq, l]) => [seq, l.reason]))).toEqual(bad);
    expect([...letters.values()].map((l) => l.detail)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          '/system: unexpected property "gpu" (allowed: os, os_version, arch, hostname, runtime, runtime_version, cpu_count, memory_bytes)',
        ),
        expect.stringContaining('/: unexpected property "uptime"'),
      ]),
    );
  });

  it('instances_v: one row per instance with what every beat implies, and the system of the newest beat', async () => {
    const got = await rows<Record<string, unknown>>(
      worker.clickhouse,
      `
      SELECT instance_id, app, version, status, interval_s, toUnixTimestamp64Milli(first_seen) AS first_seen,
             toUnixTimestamp64Milli(last_seen) AS last_seen, heartbeats
      FROM ${db}.instances_v ORDER BY instance_id`,
    );
    expect(got.map((r) => ({ ...r, first_seen: Number(r.first_seen), last_seen: Number(r.last_seen) }))).toEqual(expectedInstances());
    const [web] = await rows(
      worker.clickhouse,
      `SELECT os, os_version, arch, hostname, runtime, runtime_version, cpu_count, memory_bytes FROM ${db}.instances_v WHERE instance_id = 'web-1'`,
    );
    expect(web).toEqual({
      os: 'linux',
      os_version: '6.8.0',
      arch: 'arm64',
      hostname: 'web-1',
      runtime: 'node',
      runtime_version: '20.19.0',
      cpu_count: 4,
      memory_bytes: 17_179_869_184,
    });
    const [batch] = await rows(
      worker.clickhouse,
      `SELECT os, cpu_count, memory_bytes FROM ${db}.instances_v WHERE instance_id = 'batch-7'`,
    );
    expect(batch).toEqual({ os: '', cpu_count: null, memory_bytes: null });
  });

  it('guide silent_instances: instances not seen for twice their promised interval', async () => {
    const queriedAt = Date.now();
    const expected = expectedInstances()
      .filter((i) => queriedAt - i.last_seen > 2 * i.interval_s * 1000 && !['stopping', 'stopped'].includes(i.status.toLowerCase()))
      .sort((a, b) => a.last_seen - b.last_seen)
      .map((i) => i.instance_id);
    expect(expected).toContain('batch-7');
    expect(expected).not.toContain('web-1');
    const got = await analystRows<{ instance_id: string; silent_s: number; interval_s: number }>(
      worker.clickhouse,
      db,
      guideQuery('silent_instances'),
    );
    expect(got.map((r) => r.instance_id)).toEqual(expected);
    for (const r of got) expect(r.silent_s).toBeGreaterThan(2 * r.interval_s);
    const batch = got.find((r) => r.instance_id === 'batch-7')!;
    expect(Math.abs(batch.silent_s - 3 * 3600)).toBeLessThan(60);
  });
  it('an instance whose newest beat says stopping or stopped is not silent, and instance_silent does not fire for it; a restarted one is watched again', async () => {
    const silent = (await analystRows<{ instance_id: string }>(worker.clickhouse, db, 'SELECT instance_id FROM stale_instances_v')).map(
      (r) => r.instance_id,
    );
    expect(silent).not.toContain('shop-2');
    expect(silent).not.toContain('cron-1');
    expect(silent).toContain('shop-3');
    expect(silent).not.toContain('shop-4');
    // Still listed as instances, with the status they stopped with.
    const listed = await analystRows<{ instance_id: string; status: string }>(
      worker.clickhouse,
      db,
      "SELECT instance_id, status FROM instances_v WHERE instance_id IN ('shop-2', 'cron-1', 'shop-3', 'shop-4') ORDER BY instance_id",
    );
    expect(listed).toEqual([
      { instance_id: 'cron-1', status: 'Stopped' },
      { instance_id: 'shop-2', status: 'stopping' },
      { instance_id: 'shop-3', status: 'starting' },
      { instance_id: 'shop-4', status: 'ok' },
    ]);
    // The shipped rule, as the alert engine runs it: a row with value above 0 fires.
    const rule = loadRules(join(packageRoot, 'config', 'alerts.yaml')).find((r) => r.name === 'instance_silent')!;
    const firing = (await alertQuery(worker.clickhouse, db, rule.query))
      .filter((r) => Number(r.value) > rule.threshold.value)
      .map((r) => r.instance_id);
    expect(firing).toContain('batch-7');
    expect(firing).toContain('shop-3');
    expect(firing).not.toContain('shop-2');
    expect(firing).not.toContain('cron-1');
    expect(firing).not.toContain('shop-4');
  });

  it('counts a retried batch once in instances_v (the same insert token twice, as a retry sends it)', async () => {
    const row = (ts: number, seq: number) => [ts, 'retry-1', 'app', '', '', 60, '', '', '', '', '', '', null, null, seq];
    for (let attempt = 0; attempt < 2; attempt++) {
      await worker.clickhouse.insert({
        table: `${db}.heartbeats`,
        columns: [...HEARTBEATS.columns] as [string, ...string[]],
        values: [row(now - 2000, 900_001), row(now - 1000, 900_002)],
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings('TELEMETRY:1:900001-900002'),
      });
    }
    const got = await rows(worker.clickhouse, `SELECT heartbeats FROM ${db}.instances_v WHERE instance_id = 'retry-1'`);
    expect(got).toEqual([{ heartbeats: 2 }]);
  });
});
