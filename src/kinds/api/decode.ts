import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { decoded, type Decoded } from '../../pipeline/result.js';
import { validatedBody } from '../../contract/validated-body.js';
import { ApiRequestMessage } from './schema.js';

/** A validated API request: the service from the subject key, event time in epoch ms. */
export interface ApiRequest {
  service: string;
  ts: number;
  method: string;
  endpoint: string;
  status: number;
  durationMs: number;
  userId: string | undefined;
  sessionId: string | undefined;
  clientIp: string | undefined;
  userAgent: string | undefined;
  requestBytes: number | undefined;
  responseBytes: number | undefined;
  error: string | undefined;
}

const validator = TypeCompiler.Compile(ApiRequestMessage);

/** Bytes of one telemetry.api.<service> message to a request, or a dead-letter reason. */
export function decodeApiRequest(data: Uint8Array, service: string, arrivalMs: number, window: EventTimeWindow): Decoded<ApiRequest> {
  const checked = validatedBody(validator, data, arrivalMs, window);
  if (!checked.ok) return checked;
  const { body, ts } = checked.value;
  return decoded({
    service,
    ts,
    method: body.method,
    endpoint: body.endpoint,
    status: body.status,
    durationMs: body.duration_ms,
    userId: body.user_id,
    sessionId: body.session_id,
    clientIp: body.client_ip,
    userAgent: body.user_agent,
    requestBytes: body.request_bytes,
    responseBytes: body.response_bytes,
    error: body.error,
  });
}
