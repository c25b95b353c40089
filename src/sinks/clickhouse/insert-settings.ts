import type { ClickHouseSettings } from '@clickhouse/client';

/**
 * Settings of every insert Sift makes, each stated on every insert: the embedded engine applies
 * per-request settings as session-wide SETs that persist, so a setting left out would silently
 * inherit the previous insert's value (an old deduplication token would drop the new rows).
 * - async_insert 0: the insert returns only once the rows are in the table, which is what an ack
 *   after insert relies on (the embedded engine defaults to 1); Sift batches on its own.
 * - the token makes a retried batch a no-op, down to the rollups fed by materialized views.
 * - on a cluster (CLICKHOUSE_CLUSTER), the Distributed table forwards the rows to the shards
 *   before the insert returns, token included (a background send would ack rows not yet stored
 *   and insert them without the token). `insert_distributed_sync` is its name before 23.x.
 */
export function insertSettings(deduplicationToken: string, cluster = ''): ClickHouseSettings {
  return {
    async_insert: 0,
    insert_deduplicate: 1,
    insert_deduplication_token: deduplicationToken,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    ...(cluster ? { distributed_foreground_insert: 1 } : {}),
  };
}
