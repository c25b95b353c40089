const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string that cannot be encoded as UTF-8 (the worker refuses it). */
export const hasLoneSurrogate = (text: string) => LONE_SURROGATE.test(text);

/** A value shown in an error: JSON, cut short. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Escapes a key for a JSON Pointer. */
export const pointer = (parent: string, key: string | number) =>
  `${parent === '/' ? '' : parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
