import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { packageRoot } from '../../package-root.js';
import { insertSettings } from './insert-settings.js';
import { kinds } from '../../kinds/registry.js';
import { clusterMigrations, LOCAL_SUFFIX } from './cluster-ddl.js';

/** A versioned SQL file: `src/kinds/<kind>/migrations/NNNN_name.sql`, id `<kind>/NNNN_name`. */
export interface Migration {
  id: string;
  order: number;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function loadMigrations(root = join(packageRoot, 'src', 'kinds')): Migration[] {
  const migrations: Migration[] = [];
  const folders = kinds.map((k) => [k.name, join(root, k.name, 'migrations')] as const).sort(([a], [b]) => a.localeCompare(b));
  // The alert history is no kind's table, but migrates with them (id alerts/NNNN_name).
  folders.push(['alerts', join(root, '..', 'alerts', 'migrations')]);
  for (const [kind, dir] of folders) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)
      .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
      .sort()) {
      const sql = readFileSync(join(dir, file), 'utf8');
      migrations.push({
        id: `${kind}/${file.replace(/\.sql$/, '')}`,
        order: Number(file.slice(0, 4)),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      });
    }
  }
  return migrations.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

/** Splits a file into statements at a `;` that ends a line, after filling in the placeholders. */
export function statements(sql: string, values: Record<string, string | number>): string[] {
  const filled = sql.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
  return filled
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

export interface MigrateOptions {
  database: string;
  retentionDays: number;
  /** Days rollup rows are kept (ROLLUP_RETENTION_DAYS). */
  rollupRetentionDays?: number;
  /**
   * Whether a RETENTION_DAYS change is applied (ALTER … MODIFY TTL). Only `sift migrate` does: on
   * a large table it rewrites TTL information of every part, which a worker start must not trigger.
   */
  applyRetention?: boolean;
  /** CLICKHOUSE_CLUSTER: empty for one server, else the cluster the replicated and Distributed tables go on. */
  cluster?: string;
}

async function applied(client: ClickHouseClient, database: string): Promise<Map<string, string>> {
  const result = await client.query({
    query: `SELECT version, checksum FROM ${database}.schema_migrations ORDER BY version`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: string; checksum: string }>();
  return new Map(rows.map((r) => [r.version, r.checksum]));
}

/**
 * Creates the database and every table, once: each file runs at most once, recorded in
 * schema_migrations with its checksum. Then the raw tables' TTL follows RETENTION_DAYS.
 * Returns the ids applied by this call.
 */
export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<string[]> {
  const { database, retentionDays } = options;
  await refuseOtherVariant(client, options);
  for (const query of setupStatements(options)) await client.command({ query });
  const done = await applied(client, database);
  const ran: string[] = [];
  const applyRetention = options.applyRetention ?? true;
  const statementsOf = migrationStatements(options);
  for (const migration of loadMigrations()) {
    const recorded = done.get(migration.id);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new MigrationError(
          `migration ${migration.id} was changed after it was applied (checksum ${recorded} → ${migration.checksum}); add a new migration instead`,
        );
      }
      continue;
    }
    for (const query of statementsOf.get(migration.id)!) {
      await client.command({ query });
    }
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ version: migration.id, checksum: migration.checksum, variant: variantOf(options) }],
      format: 'JSONEachRow',
      clickhouse_settings: insertSettings(''),
    });
    ran.push(migration.id);
  }
  if (applyRetention)
    for (const change of await retentionChanges(client, database, retentionDays, options.rollupRetentionDays, options.cluster))
      await client.command({ query: change.statement });
  return ran;
}

/** Which form of the schema a database holds: 'single', or 'cluster:<name>' (CLICKHOUSE_CLUSTER). */
export const variantOf = (options: Pick<MigrateOptions, 'cluster'>): string => (options.cluster ? `cluster:${options.cluster}` : 'single');

/** The database and the bookkeeping table, before any migration; ON CLUSTER for a cluster. */
export function setupStatements(options: MigrateOptions): string[] {
  const { database, cluster } = options;
  const onCluster = cluster ? ` ON CLUSTER '${cluster}'` : '';
  // On a cluster, one replica set on every server (no {shard} in the path): whichever server
  // `sift migrate` reaches knows what ran.
  const engine = cluster ? `ReplicatedMergeTree('/clickhouse/tables/${database}/schema_migrations', '{replica}')` : 'MergeTree';
  return [
    `CREATE DATABASE IF NOT EXISTS ${database}${onCluster}`,
    `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations${onCluster}
      (version String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ${engine} ORDER BY version
      COMMENT 'Sift migrations applied to this database'`,
    // Rows recorded before the column existed came from the single-server variant.
    `ALTER TABLE ${database}.schema_migrations${onCluster} ADD COLUMN IF NOT EXISTS variant LowCardinality(String) DEFAULT 'single'`,
  ];
}

/** Each migration's statements as this variant runs them: the files' own, or their cluster form. */
function migrationStatements(options: MigrateOptions): Map<string, string[]> {
  const filled = loadMigrations().map((m) => ({ id: m.id, statements: statements(m.sql, placeholders(options)) }));
  const variant = options.cluster ? clusterMigrations(filled, { cluster: options.cluster, database: options.database }) : filled;
  return new Map(variant.map((m) => [m.id, m.statements]));
}

/** The variants recorded in a database's schema_migrations (none when it has no such table). */
async function recordedVariants(client: ClickHouseClient, database: string): Promise<string[]> {
  const columns = await (
    await client.query({
      query: `SELECT name FROM system.columns WHERE database = {db:String} AND table = 'schema_migrations'`,
      query_params: { db: database },
      format: 'JSONEachRow',
    })
  ).json<{ name: string }>();
  if (columns.length === 0) return [];
  const variant = columns.some((c) => c.name === 'variant') ? 'variant' : `'single'`;
  const rows = await (
    await client.query({ query: `SELECT DISTINCT ${variant} AS variant FROM ${database}.schema_migrations`, format: 'JSONEachRow' })
  ).json<{ variant: string }>();
  return rows.map((r) => r.variant);
}

/** A database migrated as one variant never gets the other's tables on top. */
async function refuseOtherVariant(client: ClickHouseClient, options: MigrateOptions): Promise<void> {
  const wanted = variantOf(options);
  const other = (await recordedVariants(client, options.database)).find((v) => v !== wanted);
  if (other !== undefined) {
    throw new MigrationError(
      `database ${options.database} was migrated as the ${other} variant and CLICKHOUSE_CLUSTER asks for ${wanted}: migrate into another database (CLICKHOUSE_DATABASE) instead of mixing them`,
    );
  }
}

/** What `sift migrate` would run: pending migration statements and TTL changes, without running them. */
export interface MigrationPlan {
  /** The database and bookkeeping table statements `migrate` runs first (idempotent). */
  setup: string[];
  pending: Array<{ id: string; statements: string[] }>;
  retention: RetentionChange[];
}

export async function planMigrations(client: ClickHouseClient, options: MigrateOptions): Promise<MigrationPlan> {
  const { database, retentionDays } = options;
  await refuseOtherVariant(client, options);
  // No database or no schema_migrations yet: everything is pending.
  const done = await applied(client, database).catch(() => new Map<string, string>());
  const statementsOf = migrationStatements(options);
  const pending = loadMigrations()
    .filter((m) => !done.has(m.id))
    .map((m) => ({ id: m.id, statements: statementsOf.get(m.id)! }));
  return {
    setup: setupStatements(options),
    pending,
    retention: await retentionChanges(client, database, retentionDays, options.rollupRetentionDays, options.cluster).catch(() => []),
  };
}

/** A table whose TTL differs from RETENTION_DAYS, and the statement that changes it. */
export interface RetentionChange {
  table: string;
  currentDays: number | undefined;
  wantedDays: number;
  statement: string;
}

/** The placeholders a migration file may use. */
const placeholders = (o: MigrateOptions) => ({
  db: o.database,
  retention_days: o.retentionDays,
  rollup_retention_days: o.rollupRetentionDays ?? DEFAULT_ROLLUP_RETENTION_DAYS,
});

export const DEFAULT_ROLLUP_RETENTION_DAYS = 730;

/** Tables whose TTL differs from RETENTION_DAYS (raw) or ROLLUP_RETENTION_DAYS (rollups). */
export async function retentionChanges(
  client: ClickHouseClient,
  database: string,
  rawDays: number,
  rollupDays = DEFAULT_ROLLUP_RETENTION_DAYS,
  cluster = '',
): Promise<RetentionChange[]> {
  const changes: RetentionChange[] = [];
  for (const retained of kinds.flatMap((k) => k.retainedTables)) {
    const { column, retention } = retained;
    // On a cluster the rows (and their TTL) are in the replicated table behind the Distributed one.
    const table = cluster ? `${retained.table}${LOCAL_SUFFIX}` : retained.table;
    const days = retention === 'raw' ? rawDays : rollupDays;
    const result = await client.query({
      query: `SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {table:String}`,
      query_params: { db: database, table },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ engine_full: string }>();
    if (!row) continue;
    const current = /toIntervalDay\((\d+)\)/.exec(row.engine_full)?.[1];
    if (current !== undefined && Number(current) === days) continue;
    changes.push({
      table: `${database}.${table}`,
      currentDays: current === undefined ? undefined : Number(current),
      wantedDays: days,
      statement: `ALTER TABLE ${database}.${table}${cluster ? ` ON CLUSTER '${cluster}'` : ''} MODIFY TTL toDateTime(${column}) + INTERVAL ${days} DAY`,
    });
  }
  return changes;
}

/** True when every migration file is recorded as applied (for readiness). */
export async function migrationsApplied(client: ClickHouseClient, database: string): Promise<boolean> {
  try {
    const done = await applied(client, database);
    return loadMigrations().every((m) => done.has(m.id));
  } catch {
    return false;
  }
}
