import { schema } from './schema.js';

interface Entry {
  doc: string;
  default: unknown;
  env?: string;
  format?: unknown;
}

function isEntry(node: unknown): node is Entry {
  return typeof node === 'object' && node !== null && 'doc' in node && 'default' in node;
}

function walk(node: Record<string, unknown>, path: string[], out: Array<[string, Entry]>): void {
  for (const [key, value] of Object.entries(node)) {
    if (isEntry(value)) out.push([[...path, key].join('.'), value]);
    else walk(value as Record<string, unknown>, [...path, key], out);
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The configuration reference as a Markdown table, straight from the schema. */
export function configTable(): string {
  const entries: Array<[string, Entry]> = [];
  walk(schema as unknown as Record<string, unknown>, [], entries);
  const lines = ['| key | environment | default | meaning |', '| --- | --- | --- | --- |'];
  for (const [key, entry] of entries) {
    const def = JSON.stringify(entry.default);
    lines.push(`| \`${key}\` | \`${entry.env ?? ''}\` | \`${cell(def)}\` | ${cell(entry.doc)} |`);
  }
  return lines.join('\n');
}

export const CONFIG_TABLE_START = '<!-- config-table:start (npm run schemas writes this) -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';
