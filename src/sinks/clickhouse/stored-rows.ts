import type { ClickHouseClient } from './client.js';

/** Runs a read of rows already stored; `{db}` in the query names Sift's database (a kind rebuilding its state, FILTER_RESTORE_STATE). */
export async function storedRows<T>(
  client: ClickHouseClient,
  database: string,
  sql: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const query = sql.replaceAll('{db}', database);
  const result = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return result.json<T>();
}
