import type { TableColumns } from '../../pipeline/batch-output.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import type { Activity } from './decode.js';

/** telemetry.user_activity, as Sift writes it (inserted_at takes its default). */
export const USER_ACTIVITY: TableColumns = {
  table: 'user_activity',
  columns: [
    'ts',
    'app',
    'session_id',
    'user_id',
    'activity_type',
    'page_url',
    'element_id',
    'search_query',
    'duration_ms',
    'metadata',
    'stream_seq',
  ],
};

/** The activity's row, its private fields dropped (stored empty) or hashed as PRIVACY says. */
export function activityRow(a: Activity, privacy: FieldPrivacy, streamSeq: number): unknown[] {
  return [
    a.ts,
    a.app,
    a.sessionId,
    privacy.apply('user_id', a.userId) ?? '',
    a.activityType,
    privacy.apply('page_url', a.pageUrl) ?? '',
    a.elementId,
    privacy.apply('search_query', a.searchQuery) ?? '',
    a.durationMs,
    a.metadata,
    streamSeq,
  ];
}
