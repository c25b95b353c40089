import { readFileSync, existsSync } from 'node:fs';
import { parse } from 'yaml';
import { intervalSql, parseDuration } from './duration.js';

/** One alert rule, validated: `query` is the SQL that returns one row per subject (labels + value). */
export interface AlertRule {
  name: string;
  severity: string;
  query: string;
  threshold: { op: 'above' | 'below'; value: number };
  forMs: number;
  everyMs: number;
  annotations: Record<string, string>;
}

/** A rules file that cannot be used: one line naming the file, the rule and the field. */
export class AlertRulesError extends Error {
  override name = 'AlertRulesError';
}

const RULE_KEYS = new Set([
  'name',
  'severity',
  'query',
  'view',
  'value',
  'where',
  'group_by',
  'window',
  'above',
  'below',
  'for',
  'every',
  'annotations',
]);
/** A rule name is a subject token and a KV key part. */
const NAME = /^[a-z][a-z0-9_-]*$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function loadRules(file: string): AlertRule[] {
  if (!existsSync(file)) throw new AlertRulesError(`${file}: no such alert rules file (ALERT_RULES_FILE)`);
  return parseRules(readFileSync(file, 'utf8'), file);
}

/** Parses and checks a rules file (YAML, of which JSON is a subset): `{ rules: [...] }`. */
export function parseRules(text: string, file: string): AlertRule[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new AlertRulesError(`${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const list = (doc as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) throw new AlertRulesError(`${file}: expected a top-level "rules:" list`);
  const seen = new Set<string>();
  return list.map((raw: unknown, i) => {
    const rule = checkRule(raw, `${file}: rule ${i + 1}`);
    if (seen.has(rule.name)) throw new AlertRulesError(`${file}: rule "${rule.name}": name: used by an earlier rule too`);
    seen.add(rule.name);
    return rule;
  });
}

function checkRule(raw: unknown, where: string): AlertRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new AlertRulesError(`${where}: must be a mapping of name, severity, query or view, …`);
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== 'string' || !NAME.test(r.name))
    throw new AlertRulesError(
      `${where}: name: must be lower-case letters, digits, _ or -, starting with a letter; got ${JSON.stringify(r.name)}`,
    );
  const at = where.replace(/rule \d+$/, `rule "${r.name}"`);
  const fail = (field: string, problem: string): never => {
    throw new AlertRulesError(`${at}: ${field}: ${problem}`);
  };
  for (const key of Object.keys(r)) if (!RULE_KEYS.has(key)) fail(key, `unknown field (known: ${[...RULE_KEYS].join(', ')})`);
  if (typeof r.severity !== 'string' || !r.severity) fail('severity', 'required, e.g. critical, warning or info');
  const hasAbove = r.above !== undefined;
  if (hasAbove === (r.below !== undefined)) fail('above', 'give exactly one threshold: above or below');
  const bound = hasAbove ? r.above : r.below;
  if (typeof bound !== 'number' || !Number.isFinite(bound))
    fail(hasAbove ? 'above' : 'below', `must be a number, got ${JSON.stringify(bound)}`);
  const forMs = r.for === undefined ? 0 : parseDuration(r.for);
  if (forMs === undefined) fail('for', `must be a duration like 600ms, 30s, 5m or 1h; got ${JSON.stringify(r.for)}`);
  const everyMs = r.every === undefined ? 60_000 : parseDuration(r.every);
  if (!everyMs) fail('every', `must be a positive duration like 200ms, 30s or 1m; got ${JSON.stringify(r.every)}`);
  const annotations: Record<string, string> = {};
  if (r.annotations !== undefined) {
    if (typeof r.annotations !== 'object' || r.annotations === null || Array.isArray(r.annotations))
      fail('annotations', 'must be a mapping, e.g. summary: …');
    for (const [k, v] of Object.entries(r.annotations as object)) {
      if (typeof v !== 'string') fail(`annotations.${k}`, 'must be a string');
      annotations[k] = v as string;
    }
  }
  return {
    name: r.name,
    severity: r.severity as string,
    query: ruleQuery(r, fail),
    threshold: { op: hasAbove ? 'above' : 'below', value: bound as number },
    forMs: forMs!,
    everyMs: everyMs!,
    annotations,
  };
}

/** The rule's SQL: its own `query`, or the one the short form (view, value, where, group_by, window) stands for. */
function ruleQuery(r: Record<string, unknown>, fail: (field: string, problem: string) => never): string {
  const short = ['view', 'value', 'where', 'group_by', 'window'].filter((k) => r[k] !== undefined);
  if (r.query !== undefined) {
    if (short.length) fail(short[0]!, 'give either query or the short form (view, value, …), not both');
    if (typeof r.query !== 'string' || !r.query.trim()) fail('query', 'must be SQL returning label columns and a value column');
    return (r.query as string).trim().replace(/;\s*$/, '');
  }
  if (typeof r.view !== 'string' || !IDENT.test(r.view))
    fail('view', `required (or a query): a view or table name; got ${JSON.stringify(r.view)}`);
  if (typeof r.value !== 'string' || !r.value.trim())
    fail('value', 'required with view: a SQL expression, e.g. sum(errors_5xx) / sum(requests)');
  const groupBy = r.group_by === undefined ? [] : Array.isArray(r.group_by) ? r.group_by : [r.group_by];
  for (const column of groupBy)
    if (typeof column !== 'string' || !IDENT.test(column)) fail('group_by', `must be column names; got ${JSON.stringify(column)}`);
  const conditions: string[] = [];
  if (r.window !== undefined) {
    const ms = parseDuration(r.window);
    if (!ms) fail('window', `must be a duration like 5m or 1h; got ${JSON.stringify(r.window)}`);
    conditions.push(`bucket >= now() - ${intervalSql(ms!)}`);
  }
  if (r.where !== undefined) {
    if (typeof r.where !== 'string' || !r.where.trim()) fail('where', 'must be a SQL condition');
    conditions.push(`(${r.where as string})`);
  }
  const columns = [...(groupBy as string[]), `${r.value as string} AS value`].join(', ');
  return [
    `SELECT ${columns} FROM ${r.view as string}`,
    conditions.length ? `WHERE ${conditions.join(' AND ')}` : '',
    groupBy.length ? `GROUP BY ${(groupBy as string[]).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
