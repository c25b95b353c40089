import type { TableColumns } from '../../pipeline/batch-output.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import type { ApiRequest } from './decode.js';

/** telemetry.api_requests, as Sift writes it (inserted_at takes its default). */
export const API_REQUESTS: TableColumns = {
  table: 'api_requests',
  columns: [
    'ts',
    'service',
    'method',
    'endpoint',
    'status',
    'duration_ms',
    'user_id',
    'session_id',
    'client_ip',
    'user_agent',
    'request_bytes',
    'response_bytes',
    'error',
    'stream_seq',
  ],
};

/** The fields PRIVACY may drop or hash in an API request. */
export const API_PRIVACY_FIELDS = ['client_ip', 'user_id', 'user_agent', 'session_id'] as const;

/** A request's row, in the order of API_REQUESTS.columns; an absent (or dropped) text field is stored empty. */
export function apiRequestRow(request: ApiRequest, privacy: FieldPrivacy, streamSeq: number): unknown[] {
  return [
    request.ts,
    request.service,
    request.method,
    request.endpoint,
    request.status,
    request.durationMs,
    privacy.apply('user_id', request.userId) ?? '',
    privacy.apply('session_id', request.sessionId) ?? '',
    privacy.apply('client_ip', request.clientIp) ?? '',
    privacy.apply('user_agent', request.userAgent) ?? '',
    request.requestBytes ?? null,
    request.responseBytes ?? null,
    request.error ?? '',
    streamSeq,
  ];
}
