import type { SiftConfig } from '../../config/load.js';
import type { Logger } from '../../telemetry/logger.js';
import type { ClickHouseClient } from './client.js';
import { migrate, planMigrations, retentionChanges } from './migrations.js';

/** The worker may not migrate and a migration is missing. */
export class NotMigratedError extends Error {
  override name = 'NotMigratedError';
}

/**
 * Migrates (idempotent), or with WORKER_MIGRATE=false only checks; never changes a table's TTL,
 * which rewrites a large table: a RETENTION_DAYS change is logged with the command that applies it.
 */
export async function prepareClickHouse(client: ClickHouseClient, config: SiftConfig['clickhouse'], logger: Logger): Promise<void> {
  const options = {
    database: config.database,
    retentionDays: config.retentionDays,
    rollupRetentionDays: config.rollupRetentionDays,
    applyRetention: false,
    cluster: config.cluster,
  };
  if (config.migrate) {
    const ran = await migrate(client, options);
    if (ran.length > 0) logger.info({ migrations: ran }, 'migrated ClickHouse');
  } else {
    const { pending } = await planMigrations(client, options);
    if (pending.length > 0) {
      throw new NotMigratedError(
        `ClickHouse database ${config.database} lacks migration(s) ${pending.map((p) => p.id).join(', ')} and WORKER_MIGRATE=false: run \`sift migrate\` as a user that may create tables`,
      );
    }
  }
  for (const change of await retentionChanges(client, config.database, config.retentionDays, config.rollupRetentionDays, config.cluster)) {
    logger.warn(
      { table: change.table, tableTtlDays: change.currentDays, retentionDays: change.wantedDays },
      `table ${change.table} keeps rows ${change.currentDays ?? '?'} days but its retention setting says ${change.wantedDays}: run \`sift migrate\` to change its TTL (workers do not)`,
    );
  }
}
