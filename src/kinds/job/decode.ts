import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { decoded, type Decoded } from '../../pipeline/result.js';
import { validatedBody } from '../../contract/validated-body.js';
import { freeFormMap } from '../../contract/free-form-map.js';
import { JobOutcomeMessage } from './schema.js';

/** A validated job outcome: the job type from the subject key, event time in epoch ms. */
export interface JobOutcome {
  jobType: string;
  ts: number;
  jobId: string;
  status: JobOutcomeMessage['status'];
  durationMs: number;
  deviceId: string | undefined;
  errorCode: string | undefined;
  retryCount: number;
  initiatedBy: string | undefined;
  metadata: Record<string, string>;
}

const validator = TypeCompiler.Compile(JobOutcomeMessage);

/** Bytes of one telemetry.job.<job_type> message to an outcome, or a dead-letter reason. */
export function decodeJobOutcome(data: Uint8Array, jobType: string, arrivalMs: number, window: EventTimeWindow): Decoded<JobOutcome> {
  const checked = validatedBody(validator, data, arrivalMs, window);
  if (!checked.ok) return checked;
  const { body, ts } = checked.value;
  const metadata = freeFormMap(body.metadata, '/metadata');
  if (!metadata.ok) return metadata;
  return decoded({
    jobType,
    ts,
    jobId: body.job_id,
    status: body.status,
    durationMs: body.duration_ms,
    deviceId: body.device_id,
    errorCode: body.error_code,
    retryCount: body.retry_count ?? 0,
    initiatedBy: body.initiated_by,
    metadata: metadata.value,
  });
}
