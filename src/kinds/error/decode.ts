import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ErrorMessage } from './schema.js';
import { deadLetter, decoded as ok, type Decoded } from '../../pipeline/result.js';
import { parseJsonBody } from '../../contract/json-body.js';
import { parseEventTime, type EventTimeWindow } from '../../contract/event-time.js';
import { describeSchemaError } from '../../contract/schema-errors.js';
import { toStringMap } from '../../contract/string-map.js';

/** A validated error, event time in epoch ms; absent optional strings are empty. */
export interface ErrorEvent {
  source: string;
  ts: number;
  category: string;
  severity: string;
  code: string;
  message: string;
  stack: string;
  context: Record<string, string>;
}

const validator = TypeCompiler.Compile(ErrorMessage);

/** Bytes of one telemetry.error.<source> message to an error, or a dead-letter reason. */
export function decodeError(data: Uint8Array, source: string, arrivalMs: number, window: EventTimeWindow): Decoded<ErrorEvent> {
  const parsed = parseJsonBody(data);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (!validator.Check(body)) {
    const first = validator.Errors(body).First();
    if (first?.path === '/ts') {
      const ts = parseEventTime((body as { ts?: unknown }).ts, arrivalMs, window);
      if (!ts.ok) return ts;
    }
    return deadLetter('schema', first ? describeSchemaError(first) : 'does not match the error schema');
  }
  const ts = parseEventTime(body.ts, arrivalMs, window);
  if (!ts.ok) return ts;
  return ok({
    source,
    ts: ts.value,
    category: body.category,
    severity: body.severity,
    code: body.code ?? '',
    message: body.message,
    stack: body.stack ?? '',
    context: toStringMap(body.context),
  });
}
