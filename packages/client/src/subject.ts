import { hasLoneSurrogate } from './validate/text.js';

/** Characters a subject key may not hold: token separators, wildcards, whitespace, C0/C1 controls, DEL, U+FFFD. */
const FORBIDDEN = /[.*>\s\u0000-\u001f\u007f-\u009f\ufffd]/u;
const MAX_KEY_LENGTH = 256;

/** Why `key` cannot be one subject token the worker will store, or undefined when it is fine. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `key must be a string, got ${typeof key}`;
  if (key.length === 0) return 'key is empty';
  if (key.length > MAX_KEY_LENGTH) return `key is ${key.length} characters long (at most ${MAX_KEY_LENGTH})`;
  if (hasLoneSurrogate(key)) return `key ${JSON.stringify(key)} is not valid UTF-8 (a lone surrogate)`;
  const found = FORBIDDEN.exec(key);
  if (!found) return undefined;
  const code = found[0].codePointAt(0)!;
  const what = found[0] === '.' ? 'a dot' : found[0] === '*' || found[0] === '>' ? `the wildcard ${found[0]}` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `key ${JSON.stringify(key)} holds ${what} at character ${found.index}; a key is one subject token`;
}

export const subjectOf = (prefix: string, kind: string, key: string) => `${prefix}.${kind}.${key}`;
