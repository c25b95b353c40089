import { sqlString } from './sql-string.js';
/**
 * The cluster variant of the migrations (CLICKHOUSE_CLUSTER), rewritten statement by statement
 * from the same SQL files the single server runs, so there is one copy of every table's SQL:
 * - a MergeTree table becomes `X_local` (Replicated*MergeTree, ON CLUSTER) and `X` (Distributed
 *   over it), so inserts and queries keep using the name the single server has;
 * - a Null feed table becomes a Null `X_local` and a Distributed `X`: rows inserted into `X` reach
 *   the shards, where the materialized views reading `X_local` run;
 * - a materialized view reads `<source>_local` and writes `<target>_local` on each shard;
 * - a plain view reads the Distributed tables (every shard), ON CLUSTER;
 * - an ALTER goes to `X_local` ON CLUSTER (and to `X` too when it changes columns).
 * A DDL shape it does not know is refused, naming the migration, rather than guessed at.
 */

/** Where the cluster variant goes: the cluster's name in the servers' remote_servers, and the database. */
export interface ClusterTarget {
  cluster: string;
  database: string;
}

export class ClusterDdlError extends Error {
  override name = 'ClusterDdlError';
}

/** One migration's statements (placeholders filled in), as `statements()` returns them. */
export interface MigrationStatements {
  id: string;
  statements: string[];
}

/** Suffix of the replicated table behind each Distributed table. */
export const LOCAL_SUFFIX = '_local';

/**
 * Rewrites every migration, in order, for the cluster: a statement may refer to tables created by
 * earlier migrations, so the whole ordered list goes through (it is cheap and has no I/O).
 */
export function clusterMigrations(migrations: MigrationStatements[], target: ClusterTarget): MigrationStatements[] {
  const tables = new Set<string>();
  return migrations.map(({ id, statements }) => ({
    id,
    statements: statements.flatMap((statement) => {
      const rewritten = clusterStatement(statement, target, tables, id);
      if (rewritten.table) tables.add(rewritten.table);
      return rewritten.statements;
    }),
  }));
}

/** What one statement becomes, and the table it splits into `X_local` + `X` (if it creates one). */
export interface ClusterStatement {
  statements: string[];
  table?: string;
}

/**
 * The cluster form of one statement. `tables`: tables earlier statements split into `X_local` +
 * `X` (an ALTER or a view's TO/FROM must name one of them). `migration` names the file in errors.
 */
export function clusterStatement(
  statement: string,
  target: ClusterTarget,
  tables: ReadonlySet<string>,
  migration: string,
): ClusterStatement {
  const refuse = (why: string): never => {
    throw new ClusterDdlError(
      `migration ${migration}: cannot make the cluster variant (CLICKHOUSE_CLUSTER=${target.cluster}) of "${head(statement)}": ${why}`,
    );
  };
  if (/\bON\s+CLUSTER\b/i.test(statement)) refuse('it already says ON CLUSTER; migrations are written for one server');
  const db = escapeRegExp(target.database);
  const onCluster = `ON CLUSTER ${sqlString(target.cluster)}`;

  const table = new RegExp(`^CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${db}\\.(\\w+)\\s*(?=\\()`, 'i').exec(statement);
  if (table) return createTable(statement, table, target, onCluster, refuse);

  const view = new RegExp(`^CREATE\\s+MATERIALIZED\\s+VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${db}\\.(\\w+)\\s+`, 'i').exec(statement);
  if (view) {
    const to = new RegExp(`^TO\\s+${db}\\.(\\w+)\\b`, 'i').exec(statement.slice(view[0].length));
    if (!to) return refuse('a materialized view needs TO <table>: an inner table would be neither replicated nor distributed');
    const targetTable = to[1]!;
    if (!tables.has(targetTable)) refuse(`its target ${target.database}.${targetTable} is not a table an earlier statement created`);
    const body = statement.slice(view[0].length + to[0].length);
    // The view runs where the rows land, on each shard: it reads the local feed table.
    const sources = [...new Set([...body.matchAll(new RegExp(`\\b${db}\\.(\\w+)\\b`, 'g'))].map((m) => m[1]!))];
    const known = sources.filter((s) => tables.has(s));
    if (known.length !== 1 || sources.length !== 1) {
      refuse(
        `a materialized view must read exactly one table created by the migrations (it reads ${sources.join(', ') || 'none'}); a join would see only one shard's rows`,
      );
    }
    const source = known[0]!;
    const localBody = body.replace(new RegExp(`\\b${db}\\.${source}\\b`, 'g'), `${target.database}.${source}${LOCAL_SUFFIX}`);
    return {
      statements: [
        `CREATE MATERIALIZED VIEW ${view[1] ?? ''}${target.database}.${view[2]} ${onCluster} TO ${target.database}.${targetTable}${LOCAL_SUFFIX}${localBody}`,
      ],
    };
  }

  const plainView = new RegExp(`^CREATE\\s+(OR\\s+REPLACE\\s+)?VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${db}\\.(\\w+)(?=[\\s(])`, 'i').exec(
    statement,
  );
  if (plainView) {
    // Reads the Distributed tables (the single-server names), so a query sees every shard.
    return { statements: [`${plainView[0]} ${onCluster}${statement.slice(plainView[0].length)}`] };
  }

  const alter = new RegExp(`^ALTER\\s+TABLE\\s+${db}\\.(\\w+)\\s+`, 'i').exec(statement);
  if (alter) {
    const name = alter[1]!;
    if (!tables.has(name)) refuse(`${target.database}.${name} is not a table an earlier statement created`);
    const commands = statement.slice(alter[0].length);
    const local = `ALTER TABLE ${target.database}.${name}${LOCAL_SUFFIX} ${onCluster} ${commands}`;
    // A Distributed table has columns but no storage: it follows column changes, nothing else.
    const columnChange = topLevelItems(commands).map((c) => /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i.test(c));
    const changesColumns = columnChange.every(Boolean);
    if (!changesColumns && columnChange.some(Boolean))
      refuse('it mixes column changes with other changes; put them in separate ALTER statements');
    return { statements: changesColumns ? [local, `ALTER TABLE ${target.database}.${name} ${onCluster} ${commands}`] : [local] };
  }

  if (/^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|EXCHANGE|ATTACH|DETACH|OPTIMIZE|UNDROP)\b/i.test(statement)) {
    refuse(`only CREATE TABLE, CREATE MATERIALIZED VIEW … TO, CREATE VIEW and ALTER TABLE on ${target.database}.<name> are rewritten`);
  }
  // INSERT, SELECT, SET…: they run as they are, through the Distributed tables' names.
  return { statements: [statement] };
}

function createTable(
  statement: string,
  head: RegExpExecArray,
  target: ClusterTarget,
  onCluster: string,
  refuse: (why: string) => never,
): ClusterStatement {
  const ifNotExists = head[1] ?? '';
  const name = head[2]!;
  const local = `${name}${LOCAL_SUFFIX}`;
  const columnsEnd = closingParen(statement, head[0].length);
  if (columnsEnd < 0) refuse('its column list has no closing parenthesis');
  const columns = statement.slice(head[0].length, columnsEnd + 1);
  const rest = statement.slice(columnsEnd + 1);
  const engine = /^\s*ENGINE\s*=\s*(\w+)/i.exec(rest);
  if (!engine) refuse('ENGINE = must follow the column list');
  const engineName = engine![1]!;
  let afterEngine = rest.slice(engine![0].length);
  let args = '';
  if (/^\s*\(/.test(afterEngine)) {
    const open = afterEngine.indexOf('(');
    const close = closingParen(afterEngine, open);
    if (close < 0) refuse('its engine arguments have no closing parenthesis');
    args = afterEngine.slice(open + 1, close).trim();
    afterEngine = afterEngine.slice(close + 1);
  }
  const family = /^(\w*)MergeTree$/i.exec(engineName);
  let localEngine: string;
  if (family && !/^Replicated/i.test(engineName)) {
    const path = sqlString(`/clickhouse/tables/{shard}/${target.database}/${local}`);
    localEngine = `Replicated${family[1]}MergeTree(${[path, sqlString('{replica}'), ...(args ? [args] : [])].join(', ')})`;
    // Replicated tables keep their deduplication window in Keeper, under another setting's name.
    afterEngine = afterEngine.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
  } else if (/^Null$/i.test(engineName) && !args) {
    localEngine = 'Null';
  } else {
    return refuse(`engine ${engineName} has no cluster form here (a MergeTree-family table or a Null feed table is)`);
  }
  const comment = /\sCOMMENT\s+('(?:[^'\\]|\\.|'')*')\s*$/i.exec(afterEngine)?.[1];
  const key = shardingKey(columns, afterEngine);
  return {
    table: name,
    statements: [
      `CREATE TABLE ${ifNotExists}${target.database}.${local} ${onCluster} ${columns} ENGINE = ${localEngine}${afterEngine}`,
      `CREATE TABLE ${ifNotExists}${target.database}.${name} ${onCluster} AS ${target.database}.${local} ` +
        `ENGINE = Distributed(${sqlString(target.cluster)}, ${sqlString(target.database)}, ${sqlString(local)}, ${key})${comment ? ` COMMENT ${comment}` : ''}`,
    ],
  };
}

/**
 * The Distributed table's sharding key: a hash of `device_id` (every reading of a device, its
 * partial aggregates and its rollups land on one shard), else of the first ORDER BY column, else
 * of the first column. Never rand(): a retried insert carries the same deduplication token, and
 * only a key computed from the rows sends each row to the shard that already has it.
 */
export function shardingKey(columns: string, afterEngine = ''): string {
  const names = topLevelItems(columns.slice(1, -1))
    .map((item) => /^`?(\w+)`?\s/.exec(item)?.[1])
    .filter((n): n is string => n !== undefined && !/^(INDEX|PROJECTION|CONSTRAINT)$/i.test(n));
  if (names.includes('device_id')) return 'cityHash64(device_id)';
  const orderBy = /\bORDER\s+BY\s+\(?\s*`?(\w+)`?/i.exec(afterEngine)?.[1];
  const key = orderBy && names.includes(orderBy) ? orderBy : names[0];
  if (!key) throw new ClusterDdlError('a table with no columns has no sharding key');
  return `cityHash64(${key})`;
}

/** Index of the `)` closing the `(` at `open`, skipping quoted strings and identifiers; -1 if none. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '`' || c === '"') {
      i = closingQuote(text, i);
      if (i < 0) return -1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

function closingQuote(text: string, open: number): number {
  const q = text[open]!;
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === q) {
      if (text[i + 1] === q) i++;
      else return i;
    }
  }
  return -1;
}

/** Comma-separated items at depth 0 (columns of a column list), trimmed. */
function topLevelItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '`' || c === '"') i = Math.max(i, closingQuote(text, i));
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(text.slice(start).trim());
  return items.filter(Boolean);
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const head = (statement: string) => {
  const line = statement.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
};
