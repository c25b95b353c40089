import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ActivityMessage } from './schema.js';
import { decoded as ok, type Decoded } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { freeFormMap } from '../../contract/free-form-map.js';
import { validatedBody } from '../../contract/validated-body.js';

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
  const checked = validatedBody(validator, data, arrivalMs, window);
  if (!checked.ok) return checked;
  const { body, ts } = checked.value;
  const metadata = freeFormMap(body.metadata, '/metadata');
  if (!metadata.ok) return metadata;
  return ok({
    app,
    ts,
    sessionId: body.session_id,
    userId: body.user_id,
    activityType: body.activity_type,
    pageUrl: body.page_url,
    elementId: body.element_id ?? '',
    searchQuery: body.search_query,
    durationMs: body.duration_ms ?? null,
    metadata: metadata.value,
  });
}
