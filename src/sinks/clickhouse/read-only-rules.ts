import { nodeName, nodeType, type SyntaxNode } from './syntax-tree.js';

/**
 * What a read-only statement may be, decided on the engine's own syntax tree of it (see
 * read-only-query.ts for how the tree is obtained). Pure: the engine's catalog comes in the context.
 */
export type StatementKind = 'select' | 'explain' | 'describe' | 'show' | 'show-create' | 'exists';

export interface ReadOnlyContext {
  /** Sift's database: the one database a read-only statement may read. */
  database: string;
  /** Lower-case names of every table function the engine knows (to tell them from parameterized views). */
  tableFunctions: ReadonlySet<string>;
  /** Lower-case names of functions the engine's catalog marks as running programs (executable UDFs). */
  executableFunctions: ReadonlySet<string>;
  /** Lower-case names of functions the engine's catalog classes as calling out over the network (AI). */
  networkFunctions: ReadonlySet<string>;
  /** Views in Sift's database: a parameterized view is called like a table function. */
  views: ReadonlySet<string>;
  kinds: ReadonlySet<StatementKind>;
  /** Whether the statement may end in its own FORMAT clause (sift query), or the caller picks it. */
  ownFormat: boolean;
}

export type ReadOnlyVerdict = { ok: true; kind: StatementKind } | { ok: false; reason: string };

/** Table functions that read nothing outside the query itself: generated rows and inline literals. */
export const HARMLESS_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'primes',
  'generaterandom',
  'generateseries',
  'generate_series',
  'values',
  'sqlstandardvalues',
  'format',
  'null',
  'view',
]);

/** System tables that describe the storage and schema of tables (Sift's own, on its server), plus constants. */
export const READABLE_SYSTEM_TABLES: ReadonlySet<string> = new Set([
  'one',
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'parts',
  'parts_columns',
  'columns',
  'tables',
  'merges',
  'mutations',
]);

// EXPLAIN AST is left out: its FORMAT and SETTINGS clauses bind to the query it explains, not to it.
const EXPLAIN_KINDS = new Set([
  'Explain EXPLAIN',
  'Explain EXPLAIN PIPELINE',
  'Explain EXPLAIN SYNTAX',
  'Explain EXPLAIN QUERY TREE',
  'Explain EXPLAIN ESTIMATE',
]);
const ROOT_KINDS: Record<string, StatementKind> = {
  SelectWithUnionQuery: 'select',
  Explain: 'explain',
  DescribeQuery: 'describe',
  ShowTables: 'show',
  ShowCreateTableQuery: 'show-create',
  ShowCreateViewQuery: 'show-create',
  ExistsTableQuery: 'exists',
  ExistsViewQuery: 'exists',
};
const KIND_NAMES: Record<StatementKind, string> = {
  select: 'SELECT',
  explain: 'EXPLAIN of a SELECT',
  describe: 'DESCRIBE',
  show: 'SHOW TABLES',
  'show-create': 'SHOW CREATE',
  exists: 'EXISTS',
};
/** Nodes that may carry INTO OUTFILE (a literal path among their children). */
const OUTPUT_OWNERS = new Set([...Object.keys(ROOT_KINDS), 'ShowCreateDatabaseQuery', 'ExistsDatabaseQuery']);
/** `x IN name`: the name is a table (or a CTE) when it is not a subquery or a literal. */
const IN_FUNCTIONS = new Set(
  ['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin'].flatMap((f) => [f, `${f}ignoreset`]),
);

/** Why a table function is refused, from its family (the decision itself is the allow-list above). */
export function tableFunctionReason(name: string): string {
  const n = name.toLowerCase();
  if (/^file/.test(n) || n === 'sqlite' || n === 'filesystem' || /local(cluster)?$/.test(n)) return "reads the host's files";
  if (/^url/.test(n)) return 'fetches URLs';
  if (/^(s3|gcs|oss|cosn|hdfs|azure|iceberg|deltalake|hudi|paimon)/.test(n)) return 'reads object storage or a remote file system';
  if (/^(remote|cluster)/.test(n)) return 'queries other ClickHouse servers';
  if (/^(mysql|postgresql|mongodb|redis|jdbc|odbc|ytsaurus|arrow|prometheus)/.test(n)) return 'connects to another database or service';
  if (n === 'executable') return 'runs a program on the host';
  if (n === 'input') return "reads an INSERT's input";
  return 'reads outside the Sift database (read-only queries allow numbers, zeros, values, generateRandom, generateSeries, format, null and view)';
}

/** Scalar functions that read outside the statement; anything named like a refused table function (file()) too. */
function functionReason(name: string, context: ReadOnlyContext): string | undefined {
  const n = name.toLowerCase();
  if (context.tableFunctions.has(n) && !HARMLESS_TABLE_FUNCTIONS.has(n)) return tableFunctionReason(n);
  if (n.startsWith('dict')) return 'reads a dictionary, which may load from files, URLs or other servers';
  if (n === 'joinget' || n === 'joingetornull') return 'reads a Join table of any database';
  if (n === 'hascolumnintable') return "reads another database's schema";
  if (n === 'catboostevaluate' || n.startsWith('naivebayesclassifier')) return "loads a model from the host's files";
  if (context.networkFunctions.has(n) || /^ai(generate|classify|embed|extract|translate)/.test(n))
    return 'calls an AI provider over the network';
  if (context.executableFunctions.has(n)) return 'runs a program on the server';
  return undefined;
}

/** Whether a table name (as the engine prints it: `t` or `db.t`) stays in Sift's database or the allowed system tables. */
function tableReason(name: string, context: ReadOnlyContext): string | undefined {
  const parts = name.split('.');
  // Unqualified names resolve in the current database, which the caller has made Sift's.
  if (parts.length === 1) return undefined;
  // `a.b.c` is `a`.`b.c` or `a.b`.`c`: the printed tree cannot tell, so neither is read.
  if (parts.length > 2) return `table name ${name} is ambiguous (a dot inside a quoted name)`;
  const [db, table] = parts as [string, string];
  if (db === context.database) return undefined;
  if (db === 'system') {
    return READABLE_SYSTEM_TABLES.has(table)
      ? undefined
      : `system.${table} is not one of the system tables read-only queries read (${[...READABLE_SYSTEM_TABLES]
          .filter((t) => !/numbers|zeros/.test(t))
          .map((t) => `system.${t}`)
          .join(', ')})`;
  }
  return `table ${name} is outside the Sift database ${context.database}`;
}

/** A `Function` node in a FROM/JOIN position: a harmless table function or a parameterized view of Sift's. */
function tableFunctionCallReason(name: string, context: ReadOnlyContext): string | undefined {
  const n = name.toLowerCase();
  if (HARMLESS_TABLE_FUNCTIONS.has(n)) return undefined;
  // The engine resolves a table function before a view of the same name.
  if (context.tableFunctions.has(n)) return `table function ${name}() ${tableFunctionReason(n)}`;
  const parts = name.split('.');
  const view = parts.length === 2 && parts[0] === context.database ? parts[1]! : parts.length === 1 ? name : undefined;
  if (view !== undefined && context.views.has(view)) return undefined;
  return `${name}() is neither a table function read-only queries allow nor a view in ${context.database}`;
}

function walk(node: SyntaxNode, parent: SyntaxNode | undefined, index: number, context: ReadOnlyContext): string | undefined {
  const type = nodeType(node);
  const parentType = parent ? nodeType(parent) : '';
  if (type === 'Literal' && OUTPUT_OWNERS.has(parentType)) return 'INTO OUTFILE writes a file on the host';
  if (type === 'Set' && !(parentType === 'Explain' && index === 0)) return 'a SETTINGS clause (read-only queries run with fixed limits)';
  if (type === 'TableIdentifier') {
    const reason = tableReason(nodeName(node), context);
    if (reason) return reason;
  }
  if (type === 'Function') {
    const name = nodeName(node);
    const reason = parentType === 'TableExpression' ? tableFunctionCallReason(name, context) : functionReason(name, context);
    if (reason) return parentType === 'TableExpression' ? reason : `function ${name}() ${reason}`;
    const rightSide = node.children[0]?.children[1];
    if (IN_FUNCTIONS.has(name.toLowerCase()) && rightSide && nodeType(rightSide) === 'Identifier') {
      const inReason = tableReason(nodeName(rightSide), context);
      if (inReason) return inReason;
    }
  }
  for (const [i, child] of node.children.entries()) {
    const reason = walk(child, node, i, context);
    if (reason) return reason;
  }
  return undefined;
}

/** A database named by SHOW TABLES FROM, SHOW CREATE or EXISTS must be Sift's. */
function namedDatabaseReason(identifiers: SyntaxNode[], tableNamed: boolean, context: ReadOnlyContext): string | undefined {
  const names = identifiers.map(nodeName);
  const db = tableNamed ? (names.length === 2 ? names[0] : undefined) : names[0];
  if (db === undefined || db === context.database) return undefined;
  return `database ${db} is not the Sift database ${context.database}`;
}

/**
 * Whether the statement whose tree this is may run read-only. `ownFormat`: it ends in a FORMAT
 * clause of its own (else the caller appends one); `verb` (its first words, e.g. `DROP TABLE`)
 * only names it in a refusal.
 */
export function judgeStatement(
  root: SyntaxNode,
  statement: { ownFormat: boolean; verb: string },
  context: ReadOnlyContext,
): ReadOnlyVerdict {
  const { ownFormat, verb } = statement;
  const refuse = (reason: string): ReadOnlyVerdict => ({ ok: false, reason });
  const kind = ROOT_KINDS[nodeType(root)];
  const allowed = [...context.kinds].map((k) => KIND_NAMES[k]).join(', ');
  if (!kind || !context.kinds.has(kind)) return refuse(`${verb} is not a read allowed here (allowed: ${allowed})`);
  if (kind === 'explain' && !EXPLAIN_KINDS.has(root.label))
    return refuse(
      `${root.label.slice('Explain '.length)} is not one of the EXPLAIN kinds allowed (EXPLAIN [PLAN], PIPELINE, SYNTAX, QUERY TREE, ESTIMATE)`,
    );
  const reason = walk(root, undefined, 0, context);
  if (reason) return refuse(reason);
  if (ownFormat && !context.ownFormat) return refuse('a FORMAT clause (the caller chooses the output format)');
  // A FORMAT clause is the root's last child (INTO OUTFILE and SETTINGS, which would follow it, are refused above).
  const last = root.children.at(-1);
  if (ownFormat && (!last || nodeType(last) !== 'Identifier')) return refuse('the FORMAT clause is not where the engine puts one');
  const body = ownFormat ? root.children.slice(0, -1) : root.children;
  const identifiers = body.filter((n) => nodeType(n) === 'Identifier');
  if (kind === 'explain') {
    const query = body.filter((n) => nodeType(n) !== 'Set');
    if (query.length !== 1 || nodeType(query[0]!) !== 'SelectWithUnionQuery') return refuse('EXPLAIN of something other than a SELECT');
  }
  if (kind === 'show' || kind === 'show-create' || kind === 'exists') {
    if (identifiers.length !== body.length) return refuse('the statement names something other than a database or table');
    const named = namedDatabaseReason(identifiers, kind !== 'show', context);
    if (named) return refuse(named);
  }
  return { ok: true, kind };
}
