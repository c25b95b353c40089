import { accepted, rejected, safeText, type Verdict } from './verdict.js';

/** Telemetry bodies are shallow; a limit keeps every walk below far from the call-stack limit. */
export const MAX_JSON_DEPTH = 64;

const decoder = new TextDecoder('utf-8', { fatal: true });

declare global {
  interface String {
    /** ES2024, in Node since 20; TypeScript's ES2023 lib lacks it. */
    isWellFormed(): boolean;
  }
}

/** A JSON Pointer token (RFC 6901), with control characters and lone surrogates escaped so a detail is a safe header. */
function pointerToken(key: string): string {
  return safeText(key.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/**
 * Quote bytes in a body: twice its string tokens (keys and string values), plus any escaped
 * quotes (\"). Bytes, not the decoded string, four at a time (cheaper than a charCodeAt loop); 0x22
 * never occurs inside a multi-byte UTF-8 sequence.
 */
function quoteBytes(data: Uint8Array): number {
  let quotes = 0;
  const n = data.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    quotes += (data[i] === 34 ? 1 : 0) + (data[i + 1] === 34 ? 1 : 0) + (data[i + 2] === 34 ? 1 : 0) + (data[i + 3] === 34 ? 1 : 0);
  }
  for (; i < n; i++) if (data[i] === 34) quotes++;
  return quotes;
}

/** Keys plus string values of a parsed value; -1 when nested deeper than MAX_JSON_DEPTH. */
function parsedStrings(value: unknown, depth: number): number {
  if (typeof value === 'string') return 1;
  if (typeof value !== 'object' || value === null) return 0;
  if (depth >= MAX_JSON_DEPTH) return -1;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const inner = parsedStrings(item, depth + 1);
      if (inner < 0) return -1;
      n += inner;
    }
    return n;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const inner = parsedStrings(record[key], depth + 1);
    if (inner < 0) return -1;
    n += inner + 1;
  }
  return n;
}

/** Path of the first key or string holding a lone surrogate (which ClickHouse refuses), if any. */
function loneSurrogate(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogate(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const at = `${path}/${pointerToken(key)}`;
    if (!key.isWellFormed()) return at;
    const found = loneSurrogate(record[key], at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Path of the first repeated key in valid JSON text (JSON.parse keeps the last silently). Slow and
 * thorough: it runs only when the counts above have already shown there is a repeat.
 */
export function duplicateKeyPath(text: string): string | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (path: string): string | undefined => {
    skipSpace();
    const c = text[i];
    if (c === '"') {
      readString();
      return undefined;
    }
    if (c !== '{' && c !== '[') {
      while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++;
      return undefined;
    }
    const isObject = c === '{';
    const seen = new Set<string>();
    i++;
    skipSpace();
    if (text[i] === (isObject ? '}' : ']')) {
      i++;
      return undefined;
    }
    for (let index = 0; ; index++) {
      skipSpace();
      let at = `${path}/${index}`;
      if (isObject) {
        const key = readString();
        at = `${path}/${pointerToken(key)}`;
        if (seen.has(key)) return at;
        seen.add(key);
        skipSpace();
        i++; // the colon
      }
      const found = readValue(at);
      if (found !== undefined) return found;
      skipSpace();
      if (text[i++] !== ',') return undefined; // the closing bracket
    }
  };
  return readValue('');
}

/**
 * A message body (UTF-8 bytes of one JSON value) to its value, refusing what JSON.parse would
 * quietly accept: a repeated key (the last would win) and a lone surrogate (ClickHouse would
 * refuse the whole insert later), both reason `schema` with the path, and nesting beyond
 * MAX_JSON_DEPTH.
 *
 * Cost: after JSON.parse, one pass over the bytes counting quotes, compared with the keys and
 * strings of the parsed value; only a repeated key or an escaped quote makes them differ, and only
 * then is the text scanned again, exactly. The surrogate walk runs only for text with a \u escape.
 */
export function parseJsonBody(data: Uint8Array): Verdict<unknown> {
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return rejected('not_json', 'body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return rejected('not_json', (error as Error).message);
  }
  const strings = parsedStrings(value, 0);
  if (strings < 0) return rejected('schema', `body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  // Equal only when no key repeats: a repeat drops a key from the value, an escaped quote adds a
  // byte; either way the exact scan decides.
  if (quoteBytes(data) !== 2 * strings) {
    const repeated = duplicateKeyPath(text);
    if (repeated !== undefined) return rejected('schema', `${repeated || '/'}: duplicate key`);
  }
  if (text.includes('\\u')) {
    const at = loneSurrogate(value, '');
    if (at !== undefined)
      return rejected('schema', `${at || '/'}: lone surrogate (a \\ud800-\\udfff escape without its pair); strings must be valid Unicode`);
  }
  return accepted(value);
}
