import { maskUrlsIn } from './mask-url.js';

/**
 * Secrets shorter than this are not searched for in free text: replacing every "pw" or "1234"
 * would garble the output. They are still masked by key and inside URLs.
 */
export const MIN_SCRUBBED_LENGTH = 4;

const MASK = '***';

/** Every form a secret may take in an output: as given, percent-decoded or -encoded, JSON-escaped. */
const known = new Set<string>();
/** Longest first, so a secret that contains another is replaced whole. */
let longestFirst: string[] = [];

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Remembers a secret so that `redact` removes it from any text this process writes. */
export function rememberSecret(value: string): void {
  if (value.length < MIN_SCRUBBED_LENGTH) return;
  const plain = decoded(value);
  for (const form of [value, plain, encodeURIComponent(plain)]) {
    if (form.length < MIN_SCRUBBED_LENGTH) continue;
    known.add(form);
    known.add(JSON.stringify(form).slice(1, -1));
  }
  longestFirst = [...known].sort((a, b) => b.length - a.length);
}

/**
 * What every output passes through (log lines, error lines, stack traces): remembered secrets
 * become ***, and so does any URL's userinfo, remembered or not.
 */
export function redact(text: string): string {
  let out = text;
  for (const secret of longestFirst) if (out.includes(secret)) out = out.replaceAll(secret, MASK);
  return maskUrlsIn(out);
}
