import type { SiftConfig } from '../config/load.js';
import { createClickHouse, isEmbedded, type ClickHouseClient } from '../sinks/clickhouse/client.js';
import type { QueryDeps } from './queries/query-deps.js';

/** What the read routes may cost ClickHouse per statement. */
export const READ_LIMITS = { maxExecutionTimeS: 10, maxResultRows: 100_000 };

/**
 * The read-only policy as the statement's own SETTINGS clause, not as session settings: the
 * embedded engine turns per-query settings into SET on its one session, which would leave the
 * worker sharing it read-only. readonly=2, since readonly=1 refuses max_execution_time itself.
 */
const READ_SETTINGS = [
  'readonly = 2',
  `max_execution_time = ${READ_LIMITS.maxExecutionTimeS}`,
  `max_result_rows = ${READ_LIMITS.maxResultRows}`,
  "result_overflow_mode = 'throw'",
  'output_format_json_quote_64bit_integers = 0',
].join(', ');

export type ReadQuery = QueryDeps['query'];

/**
 * Runs a fixed statement with bound parameters read-only on Sift's database. `client` is the
 * worker's embedded engine (one session: USE selects the database) or a client bound to the
 * database over HTTP.
 */
export function readQuery(client: () => Promise<ClickHouseClient>, database: string): ReadQuery {
  return async <T = Record<string, unknown>>(sql: string, params: Record<string, unknown>): Promise<T[]> => {
    const ch = await client();
    if (isEmbedded(ch)) await ch.command({ query: `USE ${database}` });
    const result = await ch.query({ query: `${sql}\nSETTINGS ${READ_SETTINGS}`, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  };
}

/** Where the read routes read, or why they cannot (answered 503). */
export type ReadSource = { ok: true; query: ReadQuery; close(): Promise<void> } | { ok: false; reason: string };

/**
 * The read routes' ClickHouse: inside a worker on the embedded engine, the worker's own client
 * (chDB binds a data directory to one process); over HTTP a client of their own, bound to Sift's
 * database and opened at the first read (a gateway nobody reads from never opens one).
 */
export function readSource(config: SiftConfig['clickhouse'], workerClient?: ClickHouseClient): ReadSource {
  if (workerClient && isEmbedded(workerClient))
    return { ok: true, query: readQuery(async () => workerClient, config.database), close: async () => undefined };
  if (!config.url) {
    return {
      ok: false,
      reason:
        'the read routes need CLICKHOUSE_URL: the embedded ClickHouse is read only by the worker process that holds it, so serve them from that worker (GATEWAY_ENABLED=true)',
    };
  }
  let opening: Promise<ClickHouseClient> | undefined;
  const client = () => {
    // A failed open (server down) is not kept: the next read tries again.
    opening ??= createClickHouse(config, { useDatabase: true }).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  return {
    ok: true,
    query: readQuery(client, config.database),
    close: async () => {
      const open = opening;
      opening = undefined;
      await (await open?.catch(() => undefined))?.close();
    },
  };
}
