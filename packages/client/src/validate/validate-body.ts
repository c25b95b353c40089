import { ACCEPTED_TS_FORMS, parseRfc3339 } from '../../../../src/contract/event-time.js';
import { InvalidEventError } from '../errors.js';
import { explain, type JsonSchema } from './explain.js';
import { hasLoneSurrogate, pointer } from './text.js';

export interface KindContract {
  schema: JsonSchema;
  check: (value: unknown) => boolean;
}

/** Where the first string that is not valid UTF-8 sits in a value, as a JSON Pointer. */
function loneSurrogateAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return hasLoneSurrogate(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (hasLoneSurrogate(key)) return pointer(path, key);
    const found = loneSurrogateAt(child, pointer(path, key));
    if (found) return found;
  }
  return undefined;
}

/**
 * The body as the JSON the worker will read, or an InvalidEventError naming the first field the
 * worker would refuse: the kind's schema, a ts that names no real instant, text that is not
 * UTF-8, or a body over the worker's size limit.
 */
export function serializeBody(kind: string, contract: KindContract, body: unknown, maxBytes: number): string {
  if (!contract.check(body)) {
    const found = explain(contract.schema, body) ?? { path: '/', problem: 'does not match the schema' };
    throw new InvalidEventError(kind, found.path, found.problem);
  }
  const ts = (body as { ts?: unknown }).ts;
  // The worker's own parser: a ts it would refuse as no real instant (2026-02-30, +25:00) is refused here.
  if (typeof ts === 'string' && parseRfc3339(ts) === undefined) {
    throw new InvalidEventError(kind, '/ts', `${JSON.stringify(ts)} is not a real date-time; ${ACCEPTED_TS_FORMS}`);
  }
  const json = JSON.stringify(body);
  // JSON.stringify escapes a lone surrogate as \udXXX; only then is the walk worth it.
  if (json.includes('\\ud') || json.includes('\\uD')) {
    const at = loneSurrogateAt(body, '/');
    if (at) throw new InvalidEventError(kind, at, 'text is not valid UTF-8 (a lone surrogate)');
  }
  if (json.length * 3 <= maxBytes) return json; // no UTF-16 unit takes more than 3 bytes
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) throw new InvalidEventError(kind, '/', `body is ${bytes} bytes, the limit is ${maxBytes}`);
  return json;
}
