import type { ClickHouseClient } from '@clickhouse/client';

/** Of these stream sequences, those with at least one row in a raw table (every raw table has `stream_seq`). */
export async function storedSeqs(client: ClickHouseClient, database: string, table: string, seqs: number[]): Promise<Set<number>> {
  if (seqs.length === 0) return new Set();
  const result = await client.query({
    query: `SELECT DISTINCT stream_seq FROM ${database}.${table} WHERE stream_seq IN {seqs:Array(UInt64)}`,
    query_params: { seqs },
    format: 'JSONCompactEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const rows = await result.json<[number]>();
  return new Set(rows.map((r) => Number(r[0])));
}
