export const telemetryConfig = {
  metricsPort: { doc: 'Port of the Prometheus /metrics endpoint (0 = off).', format: 'port', default: 9464, env: 'METRICS_PORT' },
  logLevel: {
    doc: 'Log level.', format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', env: 'LOG_LEVEL',
  },
};
