import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { loadConfig } from '../../src/config/load.js';
import {
  loadMigrations,
  migrate,
  planMigrations,
  setupStatements,
  statements,
  MigrationError,
} from '../../src/sinks/clickhouse/migrations.js';
import { rows } from '../helpers/clickhouse.js';
import { sift, siftOk } from '../helpers/cli.js';

/**
 * No ClickHouse cluster runs here, and the embedded engine refuses ON CLUSTER and Replicated
 * tables without Keeper, so the cluster variant of every migration the registry loads is checked
 * with the engine's own parser (formatQuery parses ON CLUSTER and any engine without running it).
 */
describe('cluster variant of the migrations (CLICKHOUSE_CLUSTER=sift)', () => {
  let dir: string;
  let clickhouse: ClickHouseClient;
  const options = { database: 'sift_cluster_ddl', retentionDays: 90, rollupRetentionDays: 730, cluster: 'sift' };
  const format = async (query: string) => {
    const result = await clickhouse.query({
      query: 'SELECT formatQuery({q:String}) AS f',
      query_params: { q: query },
      format: 'JSONEachRow',
    });
    return ((await result.json()) as Array<{ f: string }>)[0]!.f;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sift-cluster-ddl-'));
    const config = loadConfig({ env: { CLICKHOUSE_URL: '', CLICKHOUSE_EMBEDDED_PATH: dir, NODE_ENV: undefined } });
    clickhouse = await createClickHouse(config.clickhouse, { useDatabase: false });
  });
  afterAll(async () => {
    await clickhouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every statement of every migration parses, ON CLUSTER, on replicated and Distributed tables', async () => {
    // The plan of a database that does not exist yet holds every migration, in its cluster form.
    const plan = await planMigrations(clickhouse, options);
    const migrations = loadMigrations();
    expect(plan.pending.map((p) => p.id)).toEqual(migrations.map((m) => m.id));
    const single = migrations.flatMap((m) => statements(m.sql, { db: options.database, retention_days: 90, rollup_retention_days: 730 }));
    const cluster = [...plan.setup, ...plan.pending.flatMap((p) => p.statements)];
    expect(cluster.length).toBeGreaterThan(single.length);

    const tables = new Set<string>();
    for (const statement of cluster) {
      const formatted = await format(statement);
      expect(formatted, statement).toMatch(
        /^(CREATE|ALTER) (OR REPLACE )?(DATABASE|TABLE|MATERIALIZED VIEW|VIEW) (IF NOT EXISTS )?sift_cluster_ddl(\.\w+)? ON CLUSTER sift\b/,
      );
      expect(formatted, statement).not.toMatch(/ENGINE = (\w*)MergeTree\b(?!\('\/clickhouse\/tables\/)/);
      expect(formatted, statement).not.toContain('non_replicated_deduplication_window');
      const created = /^CREATE TABLE (?:IF NOT EXISTS )?sift_cluster_ddl\.(\w+)/.exec(formatted)?.[1];
      if (created) tables.add(created);
    }
    // Each MergeTree or Null table of the single variant has a _local twin and a Distributed front.
    for (const statement of single.filter((s) => /^CREATE TABLE/.test(s))) {
      const name = /sift_cluster_ddl\.(\w+)/.exec(statement)![1]!;
      expect(tables, name).toContain(name);
      expect(tables, name).toContain(`${name}_local`);
    }
    // Sharded by a hash of a key column, so a retried insert lands on the same shards.
    expect(cluster.filter((s) => /ENGINE = Distributed\('sift', 'sift_cluster_ddl', '\w+_local', cityHash64\(\w+\)\)/.test(s)).length).toBe(
      single.filter((s) => /^CREATE TABLE/.test(s)).length,
    );
    // Materialized views run on the shards: they read and write the local tables.
    for (const view of cluster.filter((s) => /^CREATE MATERIALIZED VIEW/.test(s))) {
      expect(view).toMatch(/ TO sift_cluster_ddl\.\w+_local /);
      expect(view).toMatch(/FROM sift_cluster_ddl\.\w+_local\b/);
    }
  });

  it('every table setting the cluster variant uses is one the engine knows', async () => {
    const plan = await planMigrations(clickhouse, options);
    const used = new Set(
      plan.pending.flatMap((p) => p.statements).flatMap((s) => [...s.matchAll(/\b(\w+_window)\s*=/g)].map((m) => m[1]!)),
    );
    expect([...used]).toContain('replicated_deduplication_window');
    const known = await rows<{ name: string }>(clickhouse, 'SELECT name FROM system.merge_tree_settings');
    for (const name of used)
      expect(
        known.map((k) => k.name),
        name,
      ).toContain(name);
  });

  it('a broken statement does not parse (the check can fail)', async () => {
    const [broken] = setupStatements(options).slice(1);
    await expect(format(broken!.replace(' ORDER BY', ') ORDER BY'))).rejects.toThrow(/Syntax error/);
    await expect(
      format("CREATE TABLE db.t_local ON CLUSTER 'sift' (a UInt8 ENGINE = ReplicatedMergeTree('/p', '{replica}') ORDER BY a"),
    ).rejects.toThrow(/Syntax error/);
  });

  it('sift migrate --dry-run prints the cluster DDL; a bad cluster name is refused by the config', async () => {
    const env = {
      CLICKHOUSE_URL: '',
      CLICKHOUSE_EMBEDDED_PATH: join(dir, 'cli'),
      CLICKHOUSE_DATABASE: 'sift_cli',
      CLICKHOUSE_CLUSTER: 'sift',
      LOG_LEVEL: 'warn',
    };
    const dry = await siftOk(['migrate', '--dry-run'], env);
    expect(dry).toMatch(/^CREATE DATABASE IF NOT EXISTS sift_cli ON CLUSTER 'sift';$/m);
    expect(dry).toMatch(
      /^CREATE TABLE IF NOT EXISTS sift_cli\.device_metrics ON CLUSTER 'sift' AS sift_cli\.device_metrics_local ENGINE = Distributed\('sift', 'sift_cli', 'device_metrics_local', cityHash64\(device_id\)\)/m,
    );
    expect(dry).toMatch(/^ALTER TABLE sift_cli\.device_metrics_hourly_local ON CLUSTER 'sift' MODIFY TTL/m);
    const bad = await sift(['migrate', '--dry-run'], { ...env, CLICKHOUSE_CLUSTER: "sift' OR 1" }).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('clickhouse.cluster (CLICKHOUSE_CLUSTER)');
  });

  it('a database migrated as one server is refused the cluster variant, and the other way round', async () => {
    const single = { ...options, database: 'sift_single_variant', cluster: '' };
    await migrate(clickhouse, single);
    expect(await rows(clickhouse, 'SELECT DISTINCT variant FROM sift_single_variant.schema_migrations')).toEqual([{ variant: 'single' }]);
    const refusal = `database sift_single_variant was migrated as the single variant and CLICKHOUSE_CLUSTER asks for cluster:sift: migrate into another database (CLICKHOUSE_DATABASE) instead of mixing them`;
    await expect(migrate(clickhouse, { ...single, cluster: 'sift' })).rejects.toThrow(new MigrationError(refusal));
    await expect(planMigrations(clickhouse, { ...single, cluster: 'sift' })).rejects.toThrow(refusal);
    // A database migrated before the variant was recorded counts as single-server.
    await clickhouse.command({ query: 'ALTER TABLE sift_single_variant.schema_migrations DROP COLUMN variant' });
    await expect(migrate(clickhouse, { ...single, cluster: 'sift' })).rejects.toThrow(refusal);
    expect(await migrate(clickhouse, single)).toEqual([]);
    expect(await rows(clickhouse, 'SELECT DISTINCT variant FROM sift_single_variant.schema_migrations')).toEqual([{ variant: 'single' }]);
    // A record of the cluster variant refuses a single-server migrate.
    await clickhouse.command({
      query: "ALTER TABLE sift_single_variant.schema_migrations UPDATE variant = 'cluster:sift' WHERE 1 SETTINGS mutations_sync = 1",
    });
    await expect(migrate(clickhouse, single)).rejects.toThrow(
      'was migrated as the cluster:sift variant and CLICKHOUSE_CLUSTER asks for single',
    );
  });
});
