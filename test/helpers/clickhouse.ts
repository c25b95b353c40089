import type { ClickHouseClient } from '@clickhouse/client';

/** Rows of a query as objects; 64-bit integers come back as numbers either way (embedded or HTTP). */
export async function rows<T = Record<string, unknown>>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return result.json<T>();
}
