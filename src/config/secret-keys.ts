import { schema } from './schema.js';
import { URL_FORMATS } from './formats.js';
import { maskUrlList, maskUrlsIn, userinfosIn } from './mask-url.js';
import { rememberSecret } from './redact.js';

export const REDACTED = '[redacted]';

/** A key whose value must not be shown: sensitive as a whole, or a URL (list) with userinfo. */
export interface SecretKey {
  path: string[];
  env: string | undefined;
  kind: 'sensitive' | 'url';
}

interface Entry {
  doc: string;
  default: unknown;
  env?: string;
  format?: unknown;
  sensitive?: boolean;
}

const isEntry = (node: unknown): node is Entry => typeof node === 'object' && node !== null && 'doc' in node && 'default' in node;

function walk(node: Record<string, unknown>, path: string[], out: SecretKey[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (!isEntry(value)) {
      walk(value as Record<string, unknown>, [...path, key], out);
      continue;
    }
    const kind =
      value.sensitive === true ? 'sensitive' : typeof value.format === 'string' && URL_FORMATS.has(value.format) ? 'url' : undefined;
    if (kind) out.push({ path: [...path, key], env: value.env, kind });
  }
}

/** Found from the schema, so a key added later is masked the day it is added. */
export const secretKeys: readonly SecretKey[] = (() => {
  const out: SecretKey[] = [];
  walk(schema as unknown as Record<string, unknown>, [], out);
  return out;
})();

/** The password or token of each URL in a value (a list too). */
export function urlSecrets(urls: string): string[] {
  return userinfosIn(urls).map((userinfo) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? userinfo : userinfo.slice(colon + 1);
  });
}

function valueAt(config: unknown, path: string[]): unknown {
  let node = config;
  for (const part of path) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

function setAt(config: unknown, path: string[], value: unknown): void {
  const parent = valueAt(config, path.slice(0, -1)) as Record<string, unknown> | undefined;
  if (parent) parent[path.at(-1)!] = value;
}

/** Remembers every secret a configuration holds, so no output of this process shows it. */
export function rememberConfigSecrets(config: object): void {
  for (const key of secretKeys) {
    const value = valueAt(config, key.path);
    if (typeof value !== 'string' || value === '') continue;
    if (key.kind === 'sensitive') rememberSecret(value);
    for (const secret of urlSecrets(value)) rememberSecret(secret);
  }
}

function maskStrings(node: unknown): unknown {
  if (typeof node === 'string') return maskUrlsIn(node);
  if (Array.isArray(node)) return node.map(maskStrings);
  if (typeof node === 'object' && node !== null) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, maskStrings(v)]));
  return node;
}

/**
 * The configuration as shown (`sift config`, logs): sensitive keys as [redacted], URLs without
 * their passwords, and any other string that quotes a URL with userinfo masked as well.
 */
export function maskConfig<T extends object>(config: T): T {
  const masked = maskStrings(config) as T;
  for (const key of secretKeys) {
    const value = valueAt(config, key.path);
    if (typeof value !== 'string' || value === '') continue;
    setAt(masked, key.path, key.kind === 'sensitive' ? REDACTED : maskUrlList(value));
  }
  return masked;
}
