import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DeviceStateMessage } from './schema.js';
import { validatedBody } from '../../contract/validated-body.js';
import { freeFormMap } from '../../contract/free-form-map.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { accepted, type Verdict } from '../../contract/verdict.js';

/** A validated state report of one device, event time in epoch ms. */
export interface StateReport {
  deviceId: string;
  ts: number;
  state: string;
  previousState: string | undefined;
  changedBy: string | undefined;
  reason: string | undefined;
  metadata: Record<string, string>;
}

const validator = TypeCompiler.Compile(DeviceStateMessage);

/** Bytes of one telemetry.state.<device_id> message to a report, or a dead-letter reason. */
export function decodeStateReport(data: Uint8Array, deviceId: string, arrivalMs: number, window: EventTimeWindow): Verdict<StateReport> {
  const checked = validatedBody(validator, data, arrivalMs, window);
  if (!checked.ok) return checked;
  const { body, ts } = checked.value;
  const metadata = freeFormMap(body.metadata, '/metadata');
  if (!metadata.ok) return metadata;
  return accepted({
    deviceId,
    ts,
    state: body.state,
    previousState: body.previous_state,
    changedBy: body.changed_by,
    reason: body.reason,
    metadata: metadata.value,
  });
}
