import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/load.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { loadMigrations, migrate, migrationsApplied } from '../../src/sinks/clickhouse/migrations.js';
import { ClickHouseWriter } from '../../src/sinks/clickhouse/writer.js';
import { DEVICE_METRIC_PARTIALS, DEVICE_METRICS, RollupAccumulator, storedRows } from '../../src/kinds/metrics/rows.js';
import { reading } from '../helpers/readings.js';
import { rows } from '../helpers/clickhouse.js';
import { testLogger } from '../helpers/sift-env.js';

describe('ClickHouse sink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sift-ch-'));
  const config = loadConfig({
    env: {
      CLICKHOUSE_URL: process.env.CLICKHOUSE_URL ?? '',
      CLICKHOUSE_EMBEDDED_PATH: join(dir, 'ch'),
      CLICKHOUSE_DATABASE: `sift_sink_${randomBytes(3).toString('hex')}`,
    },
  });
  const db = config.clickhouse.database;
  let client: ClickHouseClient;

  beforeAll(async () => {
    client = await createClickHouse(config.clickhouse);
  });
  afterAll(async () => {
    await client?.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates once: a second run applies nothing', async () => {
    expect(await migrationsApplied(client, db)).toBe(false);
    const first = await migrate(client, { database: db, retentionDays: 90 });
    expect(first).toEqual(loadMigrations().map((m) => m.id));
    expect(await migrate(client, { database: db, retentionDays: 90 })).toEqual([]);
    expect(await migrationsApplied(client, db)).toBe(true);
    const tables = await rows<{ name: string }>(client, `SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`);
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'device_metrics',
        'device_metrics_hourly',
        'device_metrics_daily',
        'device_metrics_hourly_v',
        'device_metrics_daily_v',
        'schema_migrations',
      ]),
    );
  });

  it('gives analysts column and table comments', async () => {
    const [table] = await rows<{ comment: string }>(
      client,
      `SELECT comment FROM system.tables WHERE database = '${db}' AND name = 'device_metrics'`,
    );
    expect(table!.comment).toMatch(/smart filter/);
    const [column] = await rows<{ comment: string }>(
      client,
      `SELECT comment FROM system.columns WHERE database = '${db}' AND table = 'device_metrics' AND name = 'reason'`,
    );
    expect(column!.comment).toMatch(/first_contact/);
  });

  it('follows RETENTION_DAYS on later runs', async () => {
    await migrate(client, { database: db, retentionDays: 30 });
    const [t] = await rows<{ engine_full: string }>(
      client,
      `SELECT engine_full FROM system.tables WHERE database = '${db}' AND name = 'device_metrics'`,
    );
    expect(t!.engine_full).toContain('toIntervalDay(30)');
  });

  it('stores a retried batch once, in the raw table and in the rollups', async () => {
    const writer = new ClickHouseWriter(client, db, { initialMs: 10, maxMs: 50 }, testLogger);
    const acc = new RollupAccumulator();
    const r1 = reading(0, { a: 1, b: 2 }, 'dedup-dev');
    const r2 = reading(1, { a: 3, b: 4 }, 'dedup-dev');
    acc.add(r1);
    acc.add(r2);
    const batch = {
      token: 'TELEMETRY:0:10-11',
      tables: [
        { ...DEVICE_METRICS, rows: storedRows({ reason: 'first_contact', reading: r1, metrics: undefined }, 10) },
        { ...DEVICE_METRIC_PARTIALS, rows: acc.rows() },
      ],
    };
    expect((await writer.insert(batch)).ok).toBe(true);
    expect((await writer.insert(batch)).ok).toBe(true);
    const [raw] = await rows<{ n: number }>(client, `SELECT count() AS n FROM ${db}.device_metrics WHERE device_id = 'dedup-dev'`);
    expect(raw!.n).toBe(2);
    const [hourly] = await rows<{ n: number }>(
      client,
      `SELECT sum(samples) AS n FROM ${db}.device_metrics_hourly_v WHERE device_id = 'dedup-dev'`,
    );
    expect(hourly!.n).toBe(4);
    const [daily] = await rows<{ n: number }>(
      client,
      `SELECT sum(samples) AS n FROM ${db}.device_metrics_daily_v WHERE device_id = 'dedup-dev'`,
    );
    expect(daily!.n).toBe(4);

    // A different batch with the same rows but another token is new data, not a repeat.
    expect((await writer.insert({ ...batch, token: 'TELEMETRY:0:12-13' })).ok).toBe(true);
    const [again] = await rows<{ n: number }>(client, `SELECT count() AS n FROM ${db}.device_metrics WHERE device_id = 'dedup-dev'`);
    expect(again!.n).toBe(4);
  });

  it('stores text holding row and value separators, quotes, newlines and any Unicode as it was', async () => {
    const writer = new ClickHouseWriter(client, db, { initialMs: 10, maxMs: 50 }, testLogger);
    const tricky = [
      'a],[b',
      'line\nbreak\n\nand blank',
      'quote " and \\ back',
      'tab\tcomma, [brackets]',
      'émoji 🚀 中文',
      '{"json":[1,2]}',
    ];
    const r = reading(0, Object.fromEntries(tricky.map((name, i) => [name, i])), 'text-dev', { site: tricky.join('|') });
    const stored = storedRows({ reason: 'first_contact', reading: r, metrics: undefined }, 20);
    // A token holding a quote and a backslash still names the batch: its repeat is dropped.
    const token = "text 'quoted' \\ token";
    expect((await writer.insert({ token, tables: [{ ...DEVICE_METRICS, rows: stored }] })).ok).toBe(true);
    expect((await writer.insert({ token, tables: [{ ...DEVICE_METRICS, rows: stored }] })).ok).toBe(true);
    const back = await rows<{ metric: string; value: number; site: string }>(
      client,
      `SELECT metric, value, labels['site'] AS site FROM ${db}.device_metrics WHERE device_id = 'text-dev' ORDER BY value`,
    );
    expect(back.map((b) => b.metric)).toEqual(tricky);
    expect(back.every((b) => b.site === tricky.join('|'))).toBe(true);
  });

  it('rejects bad data without retrying it', async () => {
    const writer = new ClickHouseWriter(client, db, { initialMs: 10, maxMs: 50 }, testLogger);
    const outcome = await writer.insert({
      token: 'bad',
      tables: [{ ...DEVICE_METRICS, rows: [['not a time', 'x', 'm', 1, 'change', {}, 1]] }],
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'rejected', errorClass: 'bad_data' });
  });
});
