import type { ClickHouseClient } from '@clickhouse/client';
import { judgeStatement, type ReadOnlyContext, type StatementKind } from './read-only-rules.js';
import { parseAstGraph } from './syntax-tree.js';

/**
 * Runs a statement only when it reads Sift's database and nothing else, on either engine (embedded
 * chDB or an HTTP server): `sift query` without --write, every alert rule query, the gateway's
 * query routes. The engine's own parser decides (formatQuery for one statement, `EXPLAIN AST` for
 * the tree; see read-only-rules.ts for what the tree may hold), and the statement that runs is the
 * engine's canonical text of it, with a SETTINGS clause of its own: readonly and the limits.
 */

/** A statement read-only mode does not run: the message is one line, `refused: …`. */
export class QueryRefused extends Error {
  override name = 'QueryRefused';
}

/** Per-query ceilings, applied as the query's own settings (the embedded engine's session keeps none of them). */
export interface QueryLimits {
  /** max_execution_time, seconds. */
  maxExecutionTimeS: number;
  /** max_result_rows (the query fails beyond it rather than returning a silent prefix). */
  maxResultRows: number;
  /** max_memory_usage, bytes: the embedded engine shares the worker's memory. */
  maxMemoryBytes: number;
}

/** `sift query`: an analyst at a terminal or a script exporting rows. */
export const ANALYST_QUERY_LIMITS: QueryLimits = { maxExecutionTimeS: 120, maxResultRows: 1_000_000, maxMemoryBytes: 4 * 2 ** 30 };
/** Alert rule queries run every few seconds inside a worker: one row per subject, quickly. */
export const ALERT_QUERY_LIMITS: QueryLimits = { maxExecutionTimeS: 30, maxResultRows: 100_000, maxMemoryBytes: 2 ** 30 };

export const ALL_READS: ReadonlySet<StatementKind> = new Set(['select', 'explain', 'describe', 'show', 'show-create', 'exists']);
export const SELECT_ONLY: ReadonlySet<StatementKind> = new Set(['select']);

export interface ReadOnlyOptions {
  /** Sift's database, which must also be the session's current one. */
  database: string;
  limits: QueryLimits;
  /** Statement kinds allowed (default: every read). */
  kinds?: ReadonlySet<StatementKind>;
  /** Output format when the statement has none (default JSONEachRow). */
  format?: string;
  /** Whether the statement may carry its own FORMAT clause (default: no, the caller parses the output). */
  ownFormat?: boolean;
}

export type CheckedStatement = { ok: true; kind: StatementKind; statement: string; query: string } | { ok: false; reason: string };

type Params = Record<string, unknown>;

interface Catalog {
  tableFunctions: Set<string>;
  executableFunctions: Set<string>;
  networkFunctions: Set<string>;
}

const catalogs = new WeakMap<ClickHouseClient, Promise<Catalog>>();
const SYNTAX_ERROR = '62';
const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

async function rowsOf<T>(client: ClickHouseClient, query: string, query_params: Params = {}): Promise<T[]> {
  return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

/** Functions that reach outside by the engine's own classing: executable UDFs, and (on versions that class functions) AI calls. */
async function outsideFunctions(client: ClickHouseClient): Promise<{ executable: Set<string>; network: Set<string> }> {
  const executable = "SELECT lower(name) AS name FROM system.functions WHERE origin = 'ExecutableUserDefined'";
  const names = (rows: Array<{ name: string }>) => new Set(rows.map((r) => r.name));
  try {
    return {
      executable: names(await rowsOf(client, executable)),
      network: names(await rowsOf(client, "SELECT lower(name) AS name FROM system.functions WHERE categories = 'AI'")),
    };
  } catch {
    // A server older than the `categories` column: the AI functions it may have are refused by name.
    return { executable: names(await rowsOf(client, executable)), network: new Set() };
  }
}

/** The engine's table functions and functions that reach outside, read once per client. */
function catalog(client: ClickHouseClient): Promise<Catalog> {
  let known = catalogs.get(client);
  if (!known) {
    known = (async () => {
      const tableFunctions = new Set(
        (await rowsOf<{ name: string }>(client, 'SELECT lower(name) AS name FROM system.table_functions')).map((r) => r.name),
      );
      const { executable, network } = await outsideFunctions(client);
      return { tableFunctions, executableFunctions: executable, networkFunctions: network };
    })();
    known.catch(() => catalogs.delete(client));
    catalogs.set(client, known);
  }
  return known;
}

async function explainAst(client: ClickHouseClient, statement: string, query_params: Params): Promise<string> {
  // TabSeparatedRaw: one line of the graph per row, unescaped (the tree reader refuses anything malformed).
  const result = await client.exec({
    query: `EXPLAIN AST graph=1 ${statement}`,
    query_params,
    clickhouse_settings: { default_format: 'TabSeparatedRaw' },
  });
  let text = '';
  for await (const chunk of result.stream) text += (chunk as Buffer).toString('utf8');
  return text;
}

const isSyntaxError = (error: unknown): boolean => (error as { code?: string }).code === SYNTAX_ERROR;

/** The engine's syntax error without the wrapper query it was found in. */
function syntaxError(error: unknown): Error {
  const e = error as Error & { code?: string };
  return Object.assign(new Error(e.message.replace(/:? In scope SELECT formatQuery\([\s\S]*$/, '').trim(), { cause: e }), { code: e.code });
}

/** The SETTINGS clause a read-only statement runs with, given the session's own readonly level. */
export function limitSettings(limits: QueryLimits, sessionReadonly: number): string {
  // readonly=1 forbids changing any setting, readonly=2 forbids changing readonly: the server's profile rules then.
  if (sessionReadonly === 1) return '';
  const settings = [
    `max_execution_time = ${Math.max(1, Math.trunc(limits.maxExecutionTimeS))}`,
    "timeout_overflow_mode = 'throw'",
    `max_result_rows = ${Math.max(1, Math.trunc(limits.maxResultRows))}`,
    "result_overflow_mode = 'throw'",
    `max_memory_usage = ${Math.max(1, Math.trunc(limits.maxMemoryBytes))}`,
    ...(sessionReadonly === 0 ? ['readonly = 1'] : []),
  ];
  return `\nSETTINGS ${settings.join(', ')}`;
}

/**
 * Decides whether `sql` may run read-only; on yes, returns the engine's canonical text of it
 * (`statement`) and what to run (`query`: with its FORMAT and the limits). Refusals are values;
 * a syntax error or an unreachable engine throws.
 */
export async function checkReadOnly(
  client: ClickHouseClient,
  sql: string,
  params: Params,
  options: ReadOnlyOptions,
): Promise<CheckedStatement> {
  const refuse = (reason: string): CheckedStatement => ({ ok: false, reason });
  const format = options.format ?? 'JSONEachRow';
  if (!FORMAT_NAME.test(format)) throw new Error(`output format must be a ClickHouse format name, got "${format}"`);
  let first: { statement: string; own_format: number | string; current: string; readonly: number | string; views: string[] };
  try {
    // The SQL travels as a bound parameter: parsing it here runs nothing, whatever it holds. A
    // statement that has its own FORMAT no longer parses with one more: so the engine says whether it has one.
    [first] = (await rowsOf<typeof first>(
      client,
      'WITH formatQuery({q:String}) AS statement SELECT statement, ' +
        "formatQueryOrNull(concat(statement, '\\nFORMAT ', {f:String})) IS NULL AS own_format, " +
        "currentDatabase() AS current, getSetting('readonly') AS readonly, " +
        "(SELECT groupArray(name) FROM system.tables WHERE database = {db:String} AND engine = 'View') AS views",
      { q: sql, f: format, db: options.database },
    )) as [typeof first];
  } catch (error) {
    if (isSyntaxError(error) && /Multi-statements are not allowed/.test((error as Error).message))
      return refuse('more than one statement (read-only runs exactly one)');
    throw isSyntaxError(error) ? syntaxError(error) : error;
  }
  const statement = first.statement.trim();
  if (!statement) return refuse('an empty statement');
  if (first.current !== options.database)
    return refuse(`the session's current database is ${first.current}, not the Sift database ${options.database}`);
  const ownFormat = Number(first.own_format) === 1;
  const graph = await explainAst(client, statement, params);
  const tree = parseAstGraph(graph);
  if (!tree) return refuse("the engine's syntax tree of the statement could not be read (a name with a line break?)");
  const known = await catalog(client);
  const context: ReadOnlyContext = {
    database: options.database,
    tableFunctions: known.tableFunctions,
    executableFunctions: known.executableFunctions,
    networkFunctions: known.networkFunctions,
    views: new Set(first.views),
    kinds: options.kinds ?? ALL_READS,
    ownFormat: options.ownFormat ?? false,
  };
  const verb = statement.split(/\s+/).slice(0, 2).join(' ');
  const verdict = judgeStatement(tree, { ownFormat, verb }, context);
  if (!verdict.ok) return verdict;
  const text = ownFormat ? statement : `${statement}\nFORMAT ${format}`;
  return { ok: true, kind: verdict.kind, statement, query: text + limitSettings(options.limits, Number(first.readonly)) };
}

async function checked(client: ClickHouseClient, sql: string, params: Params, options: ReadOnlyOptions): Promise<string> {
  const verdict = await checkReadOnly(client, sql, params, options);
  if (!verdict.ok) throw new QueryRefused(`refused: ${verdict.reason}`);
  return verdict.query;
}

/**
 * Runs one read-only statement with bound `{name:Type}` parameters and returns its rows
 * (JSONEachRow; 64-bit integers as the engine renders them: strings over HTTP). Throws QueryRefused
 * for a statement it will not run.
 */
export async function runReadOnly<T = Record<string, unknown>>(
  client: ClickHouseClient,
  sql: string,
  params: Params,
  options: ReadOnlyOptions,
): Promise<T[]> {
  const query = await checked(client, sql, params, { ...options, format: 'JSONEachRow', ownFormat: false });
  const result = await client.exec({ query, query_params: params });
  let text = '';
  for await (const chunk of result.stream) text += (chunk as Buffer).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

/** Runs one read-only statement and writes its formatted output to `out` (sift query). */
export async function streamReadOnly(
  client: ClickHouseClient,
  sql: string,
  params: Params,
  options: ReadOnlyOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  const query = await checked(client, sql, params, options);
  const result = await client.exec({ query, query_params: params });
  for await (const chunk of result.stream) out.write(chunk as Buffer);
}
