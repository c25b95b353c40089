import { Type, type TSchema, type Static } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { deadLetter, decoded, type Decoded } from '../pipeline/result.js';
import { parseJsonBody } from '../contract/json-body.js';
import { parseEventTime, type EventTimeWindow } from '../contract/event-time.js';
import { describeSchemaError } from '../contract/schema-errors.js';
import { RFC3339 } from './metrics/schema.js';
import { safeText } from '../contract/verdict.js';

/** The optional `ts` every kind's body may carry. */
export const EventTimeField = Type.Optional(
  Type.Union([
    Type.String({ pattern: RFC3339, description: 'Event time, RFC 3339 with a zone.' }),
    Type.Integer({ minimum: 0, maximum: 253402300799999, description: 'Event time in epoch milliseconds.' }),
  ], { description: 'Event time; the JetStream arrival time when absent.' }),
);

/** Longest text a free-form map value may be stored as (a non-string value counts as its JSON text). */
export const MAX_FREE_FORM_VALUE = 4096;

/** A free-form object (`metadata`, `properties`, `context`): any JSON values, stored as Map(String, String). */
export const FreeFormMap = (description: string) =>
  Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Unknown(), { maxProperties: 64, description }));

const EMPTY_MAP: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * A free-form object as it is stored: strings as they are, any other value as its JSON text
 * (so analysts filter on `metadata['attempt'] = '3'`); a value longer than MAX_FREE_FORM_VALUE is `schema`.
 */
export function freeFormText(map: Record<string, unknown> | undefined, path: string): Decoded<Record<string, string>> {
  if (map === undefined) return decoded(EMPTY_MAP);
  const text: Record<string, string> = {};
  for (const key of Object.keys(map)) {
    const value = map[key];
    const stored = typeof value === 'string' ? value : JSON.stringify(value);
    if (stored.length > MAX_FREE_FORM_VALUE) {
      return deadLetter('schema', safeText(`${path}/${key}: value of ${stored.length} characters is longer than ${MAX_FREE_FORM_VALUE}`));
    }
    Object.defineProperty(text, key, { value: stored, enumerable: true, writable: true, configurable: true });
  }
  return decoded(text);
}

/** A body that passed its kind's schema, with its event time resolved. */
export interface CheckedBody<T> {
  body: T;
  ts: number;
}

/**
 * Bytes of one message to its schema-checked body and event time, or the dead-letter reason:
 * `not_json`, `schema` (naming the first wrong field), `ts_out_of_range`.
 */
export function checkKindBody<S extends TSchema>(
  validator: TypeCheck<S>,
  data: Uint8Array,
  arrivalMs: number,
  window: EventTimeWindow,
): Decoded<CheckedBody<Static<S>>> {
  const parsed = parseJsonBody(data);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (!validator.Check(body)) {
    const first = validator.Errors(body).First();
    if (first?.path === '/ts') {
      const ts = parseEventTime((body as { ts?: unknown }).ts, arrivalMs, window);
      if (!ts.ok) return ts;
    }
    return deadLetter('schema', first ? describeSchemaError(first) : 'does not match the schema');
  }
  const ts = parseEventTime((body as { ts?: unknown }).ts, arrivalMs, window);
  if (!ts.ok) return ts;
  return decoded({ body, ts: ts.value });
}
