import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { migrate } from '../../src/sinks/clickhouse/migrations.js';
import { packageRoot } from '../../src/package-root.js';
import { insertSeed, seedData } from '../helpers/query-seed.js';

interface Panel {
  id: number;
  title: string;
  type: string;
  datasource: { type: string; uid: string };
  targets: Array<{ refId: string; rawSql: string; editorType: string; datasource: { type: string } }>;
}

const dashboard = JSON.parse(readFileSync(join(packageRoot, 'deploy/grafana/sift-analytics-dashboard.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: string }> };
};

/**
 * The ClickHouse data source's macros, expanded as the plugin does for a range [from, to] (epoch s)
 * and an interval: what Grafana sends to ClickHouse.
 */
function expandMacros(sql: string, range: { from: number; to: number; intervalS: number }): string {
  const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
  return sql
    .replace(
      /\$__timeFilter_ms\(([^)]+)\)/g,
      (_, c: string) => `${c} >= fromUnixTimestamp64Milli(${range.from * 1000}) AND ${c} <= fromUnixTimestamp64Milli(${range.to * 1000})`,
    )
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, c: string) => `${c} >= toDateTime(${range.from}) AND ${c} <= toDateTime(${range.to})`)
    .replace(/\$__dateFilter\(([^)]+)\)/g, (_, c: string) => `${c} >= toDate('${day(range.from)}') AND ${c} <= toDate('${day(range.to)}')`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${range.intervalS} second)`)
    .replace(/\$__fromTime_ms/g, `fromUnixTimestamp64Milli(${range.from * 1000})`)
    .replace(/\$__toTime_ms/g, `fromUnixTimestamp64Milli(${range.to * 1000})`)
    .replace(/\$__fromTime/g, `toDateTime(${range.from})`)
    .replace(/\$__toTime/g, `toDateTime(${range.to})`)
    .replace(/\$__interval_s/g, String(range.intervalS));
}

describe('Grafana analytics dashboard on the ClickHouse data source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sift-grafana-'));
  const config = loadConfig({
    env: {
      CLICKHOUSE_URL: process.env.CLICKHOUSE_URL ?? '',
      CLICKHOUSE_EMBEDDED_PATH: join(dir, 'ch'),
      CLICKHOUSE_DATABASE: `sift_g_${randomBytes(3).toString('hex')}`,
    },
  });
  const db = config.clickhouse.database;
  const seed = seedData(Date.now());
  let client: ClickHouseClient;
  const nowS = Math.floor(seed.now / 1000);
  const day = { from: nowS - 86_400, to: nowS, intervalS: 60 };
  /** A panel's rows over the last 24 hours, as Grafana would ask for them (read-only). */
  async function panelRows(title: string, range = day): Promise<Record<string, unknown>[]> {
    const panel = dashboard.panels.find((p) => p.title === title);
    if (!panel) throw new Error(`no panel "${title}"`);
    const sql = expandMacros(panel.targets[0]!.rawSql, range);
    const result = await client.query({
      query: sql,
      format: 'JSONEachRow',
      clickhouse_settings: { readonly: '2', output_format_json_quote_64bit_integers: 0 },
    });
    return result.json();
  }

  beforeAll(async () => {
    client = await createClickHouse(config.clickhouse);
    await migrate(client, { database: db, retentionDays: 3650 });
    if (!process.env.CLICKHOUSE_URL) await client.command({ query: `USE ${db}` });
    await insertSeed(client, db, seed);
  });
  afterAll(async () => {
    await client?.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is provisioned on the official plugin, every panel on its data source variable', () => {
    const provisioned = parse(readFileSync(join(packageRoot, 'deploy/grafana/provisioning/datasources/clickhouse.yaml'), 'utf8')) as {
      datasources: Array<{ type: string; uid: string; jsonData: { protocol: string } }>;
    };
    expect(provisioned.datasources).toMatchObject([
      { type: 'grafana-clickhouse-datasource', uid: 'clickhouse', jsonData: { protocol: 'http' } },
    ]);
    expect(dashboard.templating.list).toMatchObject([{ name: 'datasource', query: 'grafana-clickhouse-datasource' }]);
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(12);
    for (const panel of dashboard.panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's dashboard variable, not a template literal
      expect(panel.datasource, panel.title).toEqual({ type: 'grafana-clickhouse-datasource', uid: '${datasource}' });
      expect(panel.targets, panel.title).toHaveLength(1);
      expect(panel.targets[0]!.editorType, panel.title).toBe('sql');
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });

  it("runs every panel's SQL, macros expanded, read-only, over a day and over a week", async () => {
    for (const range of [day, { from: nowS - 7 * 86_400, to: nowS, intervalS: 600 }]) {
      for (const panel of dashboard.panels) {
        const sql = expandMacros(panel.targets[0]!.rawSql, range);
        expect(sql, panel.title).not.toContain('$__');
        const rows = await panelRows(panel.title, range).catch((error: Error) => {
          throw new Error(`panel "${panel.title}": ${error.message}`);
        });
        expect(rows.length, panel.title).toBeGreaterThan(0);
      }
    }
  });

  it('shows the same answers as the read routes for the seeded data', async () => {
    expect(await panelRows('Active now (30 min)')).toEqual([{ sessions: 4, users: 2 }]);
    expect(await panelRows('Registrations (instances first seen)')).toEqual([{ last_24h: 1, last_7d: 2, last_30d: 3, instances: 3 }]);
    const perService = await panelRows('API requests per service');
    expect(perService.reduce((n, r) => n + (r.requests as number), 0)).toBe(16);
    const errors = await panelRows('Errors per category');
    expect(errors.filter((r) => r.category === 'api').reduce((n, r) => n + (r.errors as number), 0)).toBe(4);
    expect((await panelRows('Job success (job_outcome_stats)')).map((r) => [r.job_type, r.success_rate])).toEqual([
      ['backup', 2 / 3],
      ['device_restart', 0.75],
    ]);
    expect((await panelRows('Silent instances (stale_instances_v)')).map((r) => r.instance_id)).toEqual(['inst-c', 'inst-b']);
    expect(await panelRows('Devices by latest state')).toEqual([
      { state: 'online', devices: 2 },
      { state: 'maintenance', devices: 1 },
      { state: 'offline', devices: 1 },
    ]);
    const endpoints = await panelRows('API performance per endpoint (api_performance)');
    expect(endpoints.map((r) => r.endpoint)).toEqual(['/items', '/login', '/me', '/orders']);
  });
});
