export const telemetryConfig = {
  metricsPort: {
    doc: 'Port of the HTTP endpoint serving /metrics, /healthz and /readyz (0 = off).',
    format: 'port',
    default: 9464,
    env: 'METRICS_PORT',
  },
  metricsHost: { doc: 'Address the HTTP endpoint listens on.', format: String, default: '0.0.0.0', env: 'METRICS_HOST' },
  metricsMaxConnections: {
    doc: 'Open connections the HTTP endpoint accepts at once (Prometheus and probes need a few); more are closed at once.',
    format: 'positive-int',
    default: 32,
    env: 'METRICS_MAX_CONNECTIONS',
  },
  metricsRequestTimeoutMs: {
    doc: 'How long the HTTP endpoint waits for a whole request, headers included, before it closes the connection; a connection that never sends a byte is closed after it too. Idle keep-alive connections are closed after 5 s, or this if shorter.',
    format: 'positive-int',
    default: 10_000,
    env: 'METRICS_REQUEST_TIMEOUT_MS',
  },
  statusPollMs: {
    doc: "How often the worker reads its consumers' pending counts and pings ClickHouse for metrics and readiness.",
    format: 'positive-int',
    default: 5_000,
    env: 'STATUS_POLL_MS',
  },
  shutdownTimeoutMs: {
    doc: 'On SIGTERM, how long the worker may take to flush and ack before it gives up; what is unacked is redelivered.',
    format: 'positive-int',
    default: 30_000,
    env: 'SHUTDOWN_TIMEOUT_MS',
  },
  logFormat: {
    doc: 'How log lines look: json, pretty (one readable line each), or auto: a worker logs JSON, other commands readable lines when stderr is a terminal and JSON otherwise.',
    format: ['auto', 'json', 'pretty'],
    default: 'auto' as 'auto' | 'json' | 'pretty',
    env: 'LOG_FORMAT',
  },
  logLevel: {
    doc: 'Log level.',
    format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    env: 'LOG_LEVEL',
  },
};
