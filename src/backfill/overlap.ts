import type { ClickHouseClient } from '@clickhouse/client';
import type { SeqRange } from './range.js';

/** A raw table that already holds rows of the range. */
export interface Overlap {
  table: string;
  rows: number;
}

/**
 * Raw tables holding rows whose `stream_seq` is in the range (every raw table has it). Rollups
 * have no sequence, so rows here are the sign that the range was stored, rollups included.
 */
export async function rowsInRange(
  client: ClickHouseClient,
  database: string,
  tables: readonly string[],
  range: SeqRange,
): Promise<Overlap[]> {
  const found: Overlap[] = [];
  for (const table of tables) {
    const result = await client.query({
      query: `SELECT count() AS n FROM ${database}.${table} WHERE stream_seq BETWEEN {first:UInt64} AND {last:UInt64}`,
      query_params: { first: range.first, last: range.last },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const [row] = await result.json<{ n: number }>();
    if (Number(row?.n ?? 0) > 0) found.push({ table, rows: Number(row!.n) });
  }
  return found;
}
