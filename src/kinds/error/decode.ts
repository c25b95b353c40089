import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ErrorMessage } from './schema.js';
import { decoded as ok, type Decoded } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { freeFormMap } from '../../contract/free-form-map.js';
import { validatedBody } from '../../contract/validated-body.js';

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
  const checked = validatedBody(validator, data, arrivalMs, window);
  if (!checked.ok) return checked;
  const { body, ts } = checked.value;
  const context = freeFormMap(body.context, '/context');
  if (!context.ok) return context;
  return ok({
    source,
    ts,
    category: body.category,
    severity: body.severity,
    code: body.code ?? '',
    message: body.message,
    stack: body.stack ?? '',
    context: context.value,
  });
}
