import type { ClickHouseClient } from '@clickhouse/client';
import { UsageError } from './args.js';
import { QueryRefused, streamReadOnly, type QueryLimits } from '../sinks/clickhouse/read-only-query.js';

export const queryDescription = `Runs SQL on the configured ClickHouse (the embedded one unless CLICKHOUSE_URL is set) and prints
the result. Tables live in CLICKHOUSE_DATABASE (default telemetry), which is the current database.
Read-only unless --write: one statement (SELECT, EXPLAIN of a SELECT, DESCRIBE, SHOW TABLES, SHOW
CREATE, EXISTS) that reads that database and nothing else, checked with ClickHouse's own parser: no
INTO OUTFILE, no table function or function that reads files, URLs or other servers, no SETTINGS.
It runs with readonly=1, --timeout and --max-rows.`;

/** ClickHouse refused the query, or read-only mode did: one line. */
export class QueryError extends Error {
  override name = 'QueryError';
}

const READS = /^\s*(\(|SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b/i;
const HAS_FORMAT = /\bFORMAT\s+\w+\s*;?\s*$/i;

function queryError(error: unknown): Error {
  if (error instanceof QueryRefused) return new QueryError(`${error.message} (sift query is read-only unless --write)`, { cause: error });
  const e = error as Error & { code?: string };
  if (e.code === undefined) return e;
  // A syntax error lists every token ClickHouse expected: the position is what a person needs.
  const first = e.message
    .split('\n')[0]!
    .replace(/\. Expected one of:.*$/, '')
    .trim();
  return new QueryError(`ClickHouse rejected the query (code ${e.code}): ${first}`, { cause: e });
}

export interface QueryOptions {
  format: string;
  write: boolean;
  /** Sift's database, the only one a read-only query reads. */
  database: string;
  limits: QueryLimits;
}

/** Streams the query's formatted output to `out`; statements that return no rows print nothing. */
export async function runQuery(client: ClickHouseClient, sql: string, options: QueryOptions, out: NodeJS.WritableStream): Promise<void> {
  const { format, write } = options;
  if (!/^\w+$/.test(format)) throw new UsageError(`--format must be a ClickHouse format name, got "${format}"`);
  const statement = sql.trim().replace(/;\s*$/, '');
  if (!statement) throw new UsageError('sift query needs the SQL to run');
  try {
    if (!write) {
      await streamReadOnly(client, statement, {}, { database: options.database, limits: options.limits, format, ownFormat: true }, out);
      return;
    }
    // --write: the operator's own statement, as written.
    if (!READS.test(statement)) {
      await client.command({ query: statement });
      return;
    }
    const query = HAS_FORMAT.test(statement) ? statement : `${statement}\nFORMAT ${format}`;
    const result = await client.exec({ query });
    for await (const chunk of result.stream) out.write(chunk as Buffer);
  } catch (error) {
    throw queryError(error);
  }
}
