import type { TSchema, Static } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { parseJsonBody } from './json-body.js';
import { parseEventTime, type EventTimeWindow } from './event-time.js';
import { describeSchemaError } from './schema-errors.js';
import { accepted, rejected, type Verdict } from './verdict.js';

/** A body that passed its kind's schema, with its event time resolved to epoch ms. */
export interface ValidatedBody<T> {
  body: T;
  ts: number;
}

/**
 * Bytes of one message to its schema-checked body and event time, or why not: the shared first
 * step of every kind that needs no checks of its own before the schema (a bad `ts` gets the
 * event-time wording and reason rather than the schema's).
 */
export function validatedBody<S extends TSchema>(
  validator: TypeCheck<S>,
  data: Uint8Array,
  arrivalMs: number,
  window: EventTimeWindow,
): Verdict<ValidatedBody<Static<S>>> {
  const parsed = parseJsonBody(data);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (!validator.Check(body)) {
    const first = validator.Errors(body).First();
    if (!first) return rejected('schema', 'does not match the schema');
    if (first.path === '/ts') {
      const ts = parseEventTime((body as { ts?: unknown }).ts, arrivalMs, window);
      if (!ts.ok) return ts;
    }
    return rejected('schema', describeSchemaError(first));
  }
  const ts = parseEventTime((body as { ts?: unknown }).ts, arrivalMs, window);
  if (!ts.ok) return ts;
  return accepted({ body, ts: ts.value });
}
