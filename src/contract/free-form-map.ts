import { accepted, rejected, type Verdict } from './verdict.js';

/** Longest text a free-form value may take once stored (a non-string value counts as its JSON text). */
export const MAX_FREE_FORM_VALUE = 1024;

const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * A free-form object (`metadata`, `properties`, `context`) as the Map(String, String) column
 * stores it: strings as they are, any other value as its JSON text, so analysts can still filter
 * on it by key. A value longer than MAX_FREE_FORM_VALUE is `schema`, with its path.
 */
export function freeFormMap(value: Record<string, unknown> | undefined, path: string): Verdict<Record<string, string>> {
  if (value === undefined) return accepted(EMPTY);
  const map: Record<string, string> = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    const text = typeof item === 'string' ? item : JSON.stringify(item);
    if (text.length > MAX_FREE_FORM_VALUE) {
      return rejected(
        'schema',
        `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}: value is ${text.length} characters${typeof item === 'string' ? '' : ' as JSON'}, more than ${MAX_FREE_FORM_VALUE}`,
      );
    }
    // defineProperty: a key named __proto__ is data, not the prototype.
    Object.defineProperty(map, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return accepted(map);
}
