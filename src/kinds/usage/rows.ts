import type { TableColumns } from '../../pipeline/batch-output.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import type { UsageEvent } from './decode.js';

/** telemetry.usage_events, as Sift writes it (inserted_at takes its default). */
export const USAGE_EVENTS: TableColumns = {
  table: 'usage_events',
  columns: ['ts', 'app', 'event', 'feature', 'user_id', 'instance_id', 'properties', 'stream_seq'],
};

/** The row of a usage event; absent text fields are ''. */
export function usageRow(usage: UsageEvent, privacy: FieldPrivacy, streamSeq: number): unknown[] {
  return [
    usage.ts,
    usage.app,
    usage.event,
    usage.feature ?? '',
    privacy.apply('user_id', usage.userId) ?? '',
    privacy.apply('instance_id', usage.instanceId) ?? '',
    usage.properties,
    streamSeq,
  ];
}
