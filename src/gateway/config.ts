/** The HTTP gateway's settings, registered in src/config/schema.ts as `gateway`. */
export const gatewayConfig = {
  enabled: {
    doc: 'Whether `sift worker` also serves the HTTP gateway in its own process (sharing the embedded ClickHouse); `sift gateway` serves it alone.',
    format: Boolean,
    default: false,
    env: 'GATEWAY_ENABLED',
  },
  port: { doc: 'Port the HTTP gateway listens on.', format: 'port', default: 8080, env: 'GATEWAY_PORT' },
  host: { doc: 'Address the HTTP gateway listens on.', format: String, default: '0.0.0.0', env: 'GATEWAY_HOST' },
  maxBodyBytes: {
    doc: 'Largest request body the gateway reads, as sent (compressed or not); a larger one gets 413.',
    format: 'positive-int',
    default: 1024 * 1024,
    env: 'GATEWAY_MAX_BODY_BYTES',
  },
  maxDecompressedBytes: {
    doc: 'Largest body after gzip decoding; decoding stops there and the request gets 413, so a gzip bomb costs at most this much memory. At least GATEWAY_MAX_BODY_BYTES.',
    format: 'positive-int',
    default: 8 * 1024 * 1024,
    env: 'GATEWAY_MAX_DECOMPRESSED_BYTES',
  },
  maxEventsPerRequest: {
    doc: 'Most events one request may carry; more gets 413 and nothing is published.',
    format: 'positive-int',
    default: 1_000,
    env: 'GATEWAY_MAX_EVENTS_PER_REQUEST',
  },
  publishTimeoutMs: {
    doc: 'How long a request waits for JetStream to acknowledge its events; past it the answer is 503 with Retry-After.',
    format: 'positive-int',
    default: 5_000,
    env: 'GATEWAY_PUBLISH_TIMEOUT_MS',
  },
  headersTimeoutMs: {
    doc: 'A client must send its request headers within this many ms of connecting, or the connection is closed (slow-header attacks).',
    format: 'positive-int',
    default: 10_000,
    env: 'GATEWAY_HEADERS_TIMEOUT_MS',
  },
  requestTimeoutMs: {
    doc: 'A client must send its whole request, body included, within this many ms, or it gets 408 and the connection is closed (slow-body attacks). At least GATEWAY_HEADERS_TIMEOUT_MS.',
    format: 'positive-int',
    default: 30_000,
    env: 'GATEWAY_REQUEST_TIMEOUT_MS',
  },
  idleTimeoutMs: {
    doc: 'A kept-alive connection with no request for this many ms is closed.',
    format: 'positive-int',
    default: 5_000,
    env: 'GATEWAY_IDLE_TIMEOUT_MS',
  },
};
