import type { ClickHouseClient } from '@clickhouse/client';

/** Rows of a query as objects; 64-bit integers come back as numbers either way (embedded or HTTP). */
export async function rows<T = Record<string, unknown>>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return result.json<T>();
}

/**
 * Rows of a query written as an analyst writes it: table names without the database, parameters
 * as `{name:Type}`. The embedded engine has one session, so USE selects the test's database; over
 * HTTP a client bound to that database answers.
 */
export async function analystRows<T = Record<string, unknown>>(
  client: ClickHouseClient,
  database: string,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const settings = { output_format_json_quote_64bit_integers: 0 } as const;
  if (process.env.CLICKHOUSE_URL) {
    const { createClient } = await import('@clickhouse/client');
    const bound = createClient({ url: process.env.CLICKHOUSE_URL, database });
    try {
      return await (await bound.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings })).json<T>();
    } finally {
      await bound.close();
    }
  }
  await client.command({ query: `USE ${database}` });
  return (await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings })).json<T>();
}
