import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ActivityMessage } from './schema.js';
import { deadLetter, decoded as ok, type Decoded } from '../../pipeline/result.js';
import { parseJsonBody } from '../../contract/json-body.js';
import { parseEventTime, type EventTimeWindow } from '../../contract/event-time.js';
import { describeSchemaError } from '../../contract/schema-errors.js';
import { toStringMap } from '../../contract/string-map.js';

/** A validated activity, event time in epoch ms; absent optional strings are undefined here (privacy decides). */
export interface Activity {
  app: string;
  ts: number;
  sessionId: string;
  userId: string | undefined;
  activityType: string;
  pageUrl: string | undefined;
  elementId: string;
  searchQuery: string | undefined;
  durationMs: number | null;
  metadata: Record<string, string>;
}

const validator = TypeCompiler.Compile(ActivityMessage);

/** Bytes of one telemetry.activity.<app> message to an activity, or a dead-letter reason. */
export function decodeActivity(data: Uint8Array, app: string, arrivalMs: number, window: EventTimeWindow): Decoded<Activity> {
  const parsed = parseJsonBody(data);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (!validator.Check(body)) {
    const first = validator.Errors(body).First();
    if (first?.path === '/ts') {
      const ts = parseEventTime((body as { ts?: unknown }).ts, arrivalMs, window);
      if (!ts.ok) return ts;
    }
    return deadLetter('schema', first ? describeSchemaError(first) : 'does not match the activity schema');
  }
  const ts = parseEventTime(body.ts, arrivalMs, window);
  if (!ts.ok) return ts;
  return ok({
    app,
    ts: ts.value,
    sessionId: body.session_id,
    userId: body.user_id,
    activityType: body.activity_type,
    pageUrl: body.page_url,
    elementId: body.element_id ?? '',
    searchQuery: body.search_query,
    durationMs: body.duration_ms ?? null,
    metadata: toStringMap(body.metadata),
  });
}
