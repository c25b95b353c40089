import type { TableColumns } from '../../pipeline/batch-output.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import type { StateStoreReason } from '../../transforms/state-filter/decide.js';
import type { StateReport } from './decode.js';

/** telemetry.device_states, as Sift writes it (inserted_at takes its default). */
export const DEVICE_STATES: TableColumns = {
  table: 'device_states',
  columns: ['ts', 'device_id', 'state', 'previous_state', 'changed_by', 'reason', 'metadata', 'store_reason', 'stream_seq'],
};

/**
 * The row of a stored report. `previous_state` is the producer's when sent, else the last state
 * stored for the device ('' on first contact); absent text fields are ''.
 */
export function stateRow(
  report: StateReport,
  store: StateStoreReason,
  lastStoredState: string | undefined,
  privacy: FieldPrivacy,
  streamSeq: number,
): unknown[] {
  return [
    report.ts,
    report.deviceId,
    report.state,
    report.previousState ?? lastStoredState ?? '',
    privacy.apply('changed_by', report.changedBy) ?? '',
    privacy.apply('reason', report.reason) ?? '',
    report.metadata,
    store,
    streamSeq,
  ];
}
