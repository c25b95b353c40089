import { describe, expect, it } from 'vitest';
import { judgeStatement, tableFunctionReason, type ReadOnlyContext } from './read-only-rules.js';
import type { SyntaxNode } from './syntax-tree.js';
import { limitSettings } from './read-only-query.js';

const n = (label: string, ...children: SyntaxNode[]): SyntaxNode => ({ label, children });
/** SELECT * FROM <table expression> [WHERE <where>] */
const select = (table: SyntaxNode, ...rest: SyntaxNode[]): SyntaxNode =>
  n(
    'SelectWithUnionQuery',
    n(
      'ExpressionList',
      n(
        'SelectQuery',
        n('ExpressionList', n('Asterisk')),
        n('TablesInSelectQuery', n('TablesInSelectQueryElement', n('TableExpression', table))),
        ...rest,
      ),
    ),
  );

const context: ReadOnlyContext = {
  database: 'telemetry',
  tableFunctions: new Set(['file', 'url', 's3', 'remote', 'numbers', 'values', 'merge', 'format']),
  executableFunctions: new Set(['my_script']),
  networkFunctions: new Set(['aisummarize']),
  views: new Set(['api_performance']),
  kinds: new Set(['select', 'explain', 'describe', 'show', 'show-create', 'exists']),
  ownFormat: true,
};
const judge = (root: SyntaxNode, ownFormat = false, ctx = context) => judgeStatement(root, { ownFormat, verb: 'VERB' }, ctx);

describe('judgeStatement', () => {
  it('allows Sift tables, its parameterized views, harmless table functions and the storage system tables', () => {
    for (const table of [
      'TableIdentifier device_metrics',
      'TableIdentifier telemetry.device_metrics (alias m)',
      'TableIdentifier system.parts',
      'Function api_performance',
      'Function telemetry.api_performance',
      'Function numbers (alias n)',
      'Function NUMBERS',
    ]) {
      expect(judge(select(n(table))), table).toEqual({ ok: true, kind: 'select' });
    }
  });

  it('refuses a table function by family, a view name shadowed by a table function, and unknown calls', () => {
    expect(judge(select(n('Function file')))).toEqual({ ok: false, reason: "table function file() reads the host's files" });
    expect(judge(select(n('Function URL')))).toEqual({ ok: false, reason: 'table function URL() fetches URLs' });
    expect(judge(select(n('Function other.api_performance')))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('neither a table function'),
    });
    expect(judge(select(n('Function merge')))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('reads outside the Sift database'),
    });
  });

  it('refuses other databases, other system tables and ambiguous dotted names', () => {
    expect(judge(select(n('TableIdentifier other.secret')))).toEqual({
      ok: false,
      reason: 'table other.secret is outside the Sift database telemetry',
    });
    expect(judge(select(n('TableIdentifier system.query_log')))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('system.query_log is not one of'),
    });
    expect(judge(select(n('TableIdentifier telemetry.x.y')))).toMatchObject({ ok: false, reason: expect.stringContaining('ambiguous') });
  });

  it('refuses scalar functions that read outside: file(), dictionaries, joinGet, executable functions', () => {
    const where = (fn: string) => select(n('TableIdentifier t'), n(`Function ${fn}`, n('ExpressionList', n("Literal 'x'"))));
    expect(judge(where('file'))).toEqual({ ok: false, reason: "function file() reads the host's files" });
    expect(judge(where('dictGetString'))).toMatchObject({ ok: false, reason: expect.stringContaining('dictionary') });
    expect(judge(where('joinGet'))).toMatchObject({ ok: false });
    expect(judge(where('my_script'))).toEqual({ ok: false, reason: 'function my_script() runs a program on the server' });
    expect(judge(where('aiSummarize'))).toEqual({ ok: false, reason: 'function aiSummarize() calls an AI provider over the network' });
    expect(judge(where('dictGetKeys'))).toMatchObject({ ok: false });
    expect(judge(where('format'))).toEqual({ ok: true, kind: 'select' });
  });

  it('treats the right side of IN as a table', () => {
    const inTable = (name: string) =>
      select(n('TableIdentifier t'), n('Function in', n('ExpressionList', n('Identifier a'), n(`Identifier ${name}`))));
    expect(judge(inTable('other.secret'))).toMatchObject({ ok: false, reason: expect.stringContaining('outside the Sift database') });
    expect(judge(inTable('allowed_ids'))).toEqual({ ok: true, kind: 'select' });
  });

  it('refuses INTO OUTFILE and SETTINGS, but not the options of an EXPLAIN', () => {
    expect(judge(n('SelectWithUnionQuery', n('ExpressionList'), n("Literal '/tmp/x'")))).toEqual({
      ok: false,
      reason: 'INTO OUTFILE writes a file on the host',
    });
    expect(judge(n('SelectWithUnionQuery', n('ExpressionList'), n('Set')))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('SETTINGS'),
    });
    const inner = select(n('TableIdentifier t'));
    expect(judge(n('Explain EXPLAIN', n('Set'), inner))).toEqual({ ok: true, kind: 'explain' });
    expect(judge(n('Explain EXPLAIN', inner, n('Set')))).toMatchObject({ ok: false, reason: expect.stringContaining('SETTINGS') });
    expect(judge(n('Explain EXPLAIN AST', inner))).toMatchObject({ ok: false });
    expect(judge(n('Explain EXPLAIN', n('InsertQuery')))).toEqual({ ok: false, reason: 'EXPLAIN of something other than a SELECT' });
  });

  it('reads a FORMAT clause as the last child, and lets only some callers have one', () => {
    expect(judge(n('SelectWithUnionQuery', n('ExpressionList'), n('Identifier JSON')), true)).toEqual({ ok: true, kind: 'select' });
    expect(
      judge(n('SelectWithUnionQuery', n('ExpressionList'), n('Identifier JSON')), true, { ...context, ownFormat: false }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('FORMAT') });
    // SHOW TABLES FORMAT telemetry: the identifier is the format, not a database.
    expect(judge(n('ShowTables', n('Identifier other')), true)).toEqual({ ok: true, kind: 'show' });
    expect(judge(n('ShowTables', n('Identifier other')), false)).toEqual({
      ok: false,
      reason: 'database other is not the Sift database telemetry',
    });
    expect(judge(n('ShowCreateTableQuery', n('Identifier other'), n('Identifier t')))).toMatchObject({ ok: false });
    expect(judge(n('ShowCreateTableQuery', n('Identifier t')))).toEqual({ ok: true, kind: 'show-create' });
  });

  it('refuses statement kinds that are not reads, or not allowed to this caller, naming them', () => {
    expect(judge(n('DropQuery'))).toEqual({ ok: false, reason: expect.stringMatching(/^VERB is not a read allowed here/) });
    expect(judge(n('ShowProcesslistQuery'))).toMatchObject({ ok: false });
    expect(
      judge(n('DescribeQuery', n('TableExpression', n('TableIdentifier t'))), false, { ...context, kinds: new Set(['select']) }),
    ).toEqual({ ok: false, reason: 'VERB is not a read allowed here (allowed: SELECT)' });
  });
});

describe('tableFunctionReason', () => {
  it('names what each family reaches', () => {
    expect(tableFunctionReason('fileCluster')).toBe("reads the host's files");
    expect(tableFunctionReason('icebergS3')).toBe('reads object storage or a remote file system');
    expect(tableFunctionReason('clusterAllReplicas')).toBe('queries other ClickHouse servers');
    expect(tableFunctionReason('postgresql')).toBe('connects to another database or service');
  });
});

describe('limitSettings', () => {
  const limits = { maxExecutionTimeS: 30, maxResultRows: 1000, maxMemoryBytes: 2 ** 30 };
  it('sets readonly and every limit on a writable session, only the limits under readonly=2, nothing under readonly=1', () => {
    expect(limitSettings(limits, 0)).toBe(
      "\nSETTINGS max_execution_time = 30, timeout_overflow_mode = 'throw', max_result_rows = 1000, result_overflow_mode = 'throw', max_memory_usage = 1073741824, readonly = 1",
    );
    expect(limitSettings(limits, 2)).not.toContain('readonly');
    expect(limitSettings(limits, 1)).toBe('');
  });
});
