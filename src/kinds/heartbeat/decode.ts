import { TypeCompiler } from '@sinclair/typebox/compiler';
import { HeartbeatMessage } from './schema.js';
import { validatedBody } from '../../contract/validated-body.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { accepted, type Verdict } from '../../contract/verdict.js';

/** The beat an instance promises when it does not say: hourly. */
export const DEFAULT_INTERVAL_S = 3600;

/** A validated heartbeat of one instance, event time in epoch ms. */
export interface Heartbeat {
  instanceId: string;
  ts: number;
  body: HeartbeatMessage;
}

const validator = TypeCompiler.Compile(HeartbeatMessage);

/** Bytes of one telemetry.heartbeat.<instance_id> message to a heartbeat, or a dead-letter reason. */
export function decodeHeartbeat(data: Uint8Array, instanceId: string, arrivalMs: number, window: EventTimeWindow): Verdict<Heartbeat> {
  const checked = validatedBody(validator, data, arrivalMs, window);
  if (!checked.ok) return checked;
  return accepted({ instanceId, ts: checked.value.ts, body: checked.value.body });
}
