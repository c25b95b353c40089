import type { ClickHouseClient } from '@clickhouse/client';
import { UsageError } from './args.js';

export const queryDescription = `Runs SQL on the configured ClickHouse (the embedded one unless CLICKHOUSE_URL is set) and prints
the result. Tables live in CLICKHOUSE_DATABASE (default telemetry), which is the current database.
Read-only unless --write: each query runs with ClickHouse's readonly=1, so statements that change
data or settings, and table functions reading files or URLs, fail.`;

/** ClickHouse refused the query: one line with its code and the first line of its message. */
export class QueryError extends Error {
  override name = 'QueryError';
}

const READS = /^\s*(\(|SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b/i;
const HAS_FORMAT = /\bFORMAT\s+\w+\s*;?\s*$/i;
/** ClickHouse's "Cannot execute query in readonly mode". */
const READONLY = '164';

function queryError(error: unknown): Error {
  const e = error as Error & { code?: string };
  if (e.code === undefined) return e;
  // A syntax error lists every token ClickHouse expected: the position is what a person needs.
  const first = e.message.split('\n')[0]!.replace(/\. Expected one of:.*$/, '').trim();
  if (e.code === READONLY) return new QueryError(`sift query is read-only and ClickHouse refused this query (${first}); add --write to change data or read files`, { cause: e });
  return new QueryError(`ClickHouse rejected the query (code ${e.code}): ${first}`, { cause: e });
}

/** Streams the query's formatted output to `out`; statements that return no rows print nothing. */
export async function runQuery(client: ClickHouseClient, sql: string, options: { format: string; write: boolean }, out: NodeJS.WritableStream): Promise<void> {
  const { format, write } = options;
  if (!/^\w+$/.test(format)) throw new UsageError(`--format must be a ClickHouse format name, got "${format}"`);
  const statement = sql.trim().replace(/;\s*$/, '');
  if (!statement) throw new UsageError('sift query needs the SQL to run');
  const clickhouse_settings = write ? {} : { readonly: '1' as const };
  try {
    if (!READS.test(statement)) {
      await client.command({ query: statement, clickhouse_settings });
      return;
    }
    const query = HAS_FORMAT.test(statement) ? statement : `${statement}\nFORMAT ${format}`;
    const result = await client.exec({ query, clickhouse_settings });
    for await (const chunk of result.stream) out.write(chunk as Buffer);
  } catch (error) {
    throw queryError(error);
  }
}
