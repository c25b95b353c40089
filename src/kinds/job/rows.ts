import type { TableColumns } from '../../pipeline/batch-output.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import type { JobOutcome } from './decode.js';

/** telemetry.job_outcomes, as Sift writes it (inserted_at takes its default). */
export const JOB_OUTCOMES: TableColumns = {
  table: 'job_outcomes',
  columns: [
    'ts',
    'job_type',
    'job_id',
    'status',
    'duration_ms',
    'device_id',
    'error_code',
    'retry_count',
    'initiated_by',
    'metadata',
    'stream_seq',
  ],
};

/** The fields PRIVACY may drop or hash in a job outcome (who started it may be a person). */
export const JOB_PRIVACY_FIELDS = ['initiated_by'] as const;

/** An outcome's row, in the order of JOB_OUTCOMES.columns; an absent (or dropped) text field is stored empty. */
export function jobOutcomeRow(outcome: JobOutcome, privacy: FieldPrivacy, streamSeq: number): unknown[] {
  return [
    outcome.ts,
    outcome.jobType,
    outcome.jobId,
    outcome.status,
    outcome.durationMs,
    outcome.deviceId ?? '',
    outcome.errorCode ?? '',
    outcome.retryCount,
    privacy.apply('initiated_by', outcome.initiatedBy) ?? '',
    outcome.metadata,
    streamSeq,
  ];
}
