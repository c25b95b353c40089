import type { ClickHouseClient } from '@clickhouse/client';
import { UsageError } from './args.js';

export const queryDescription = `Runs SQL on the configured ClickHouse (the embedded one unless CLICKHOUSE_URL is set) and prints
the result. Tables live in CLICKHOUSE_DATABASE (default telemetry), which is the current database.`;

const READS = /^\s*(\(|SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b/i;
const HAS_FORMAT = /\bFORMAT\s+\w+\s*;?\s*$/i;

/** Streams the query's formatted output to `out`; statements that return no rows print nothing. */
export async function runQuery(client: ClickHouseClient, sql: string, format: string, out: NodeJS.WritableStream): Promise<void> {
  if (!/^\w+$/.test(format)) throw new UsageError(`--format must be a ClickHouse format name, got "${format}"`);
  const statement = sql.trim().replace(/;\s*$/, '');
  if (!statement) throw new UsageError('sift query needs the SQL to run');
  if (!READS.test(statement)) {
    await client.command({ query: statement });
    return;
  }
  const query = HAS_FORMAT.test(statement) ? statement : `${statement}\nFORMAT ${format}`;
  const result = await client.exec({ query });
  for await (const chunk of result.stream) out.write(chunk as Buffer);
}
