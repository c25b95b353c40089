export const alertsConfig = {
  enabled: {
    doc: "Whether workers evaluate the alert rules (only the leader among the live workers does); the rules' queries are checked against ClickHouse at start-up.",
    format: Boolean,
    default: true,
    env: 'ALERTS_ENABLED',
  },
  rulesFile: {
    doc: 'YAML or JSON file of alert rules (see docs/alerts.md).',
    format: String,
    default: 'config/alerts.yaml',
    env: 'ALERT_RULES_FILE',
  },
  subjectPrefix: {
    doc: 'First subject token of alert events: <prefix>.<rule>.',
    format: 'subject-token',
    default: 'telemetry-alerts',
    env: 'ALERT_SUBJECT_PREFIX',
  },
  stream: {
    doc: 'JetStream stream holding alert events (created if missing).',
    format: 'identifier',
    default: 'ALERTS',
    env: 'ALERT_STREAM_NAME',
  },
  kvBucket: {
    doc: 'NATS KV bucket holding the state of every alert, shared by the workers so a leader change neither repeats nor loses a transition.',
    format: 'subject-token',
    default: 'sift-alerts',
    env: 'ALERT_KV_BUCKET',
  },
  webhookUrl: {
    doc: 'Slack-compatible incoming webhook receiving FIRING and RESOLVED (empty: none).',
    format: 'web-url-or-empty',
    default: '',
    env: 'ALERT_WEBHOOK_URL',
    sensitive: true,
  },
  alertmanagerUrl: {
    doc: 'Alertmanager base URL; alerts are POSTed to <url>/api/v2/alerts (empty: none).',
    format: 'web-url-or-empty',
    default: '',
    env: 'ALERTMANAGER_URL',
  },
  generatorUrl: {
    doc: 'Link sent as generatorURL to Alertmanager and shown in webhook messages (e.g. the Grafana dashboard).',
    format: 'web-url-or-empty',
    default: '',
    env: 'ALERT_GENERATOR_URL',
  },
  notifyAttempts: {
    doc: 'Attempts to deliver one notification to a receiver, with exponential backoff, before it is counted as failed.',
    format: 'positive-int',
    default: 5,
    env: 'ALERT_NOTIFY_ATTEMPTS',
  },
  notifyBackoffMs: {
    doc: 'First retry delay of a notification; doubled on each attempt.',
    format: 'positive-int',
    default: 1_000,
    env: 'ALERT_NOTIFY_BACKOFF_MS',
  },
};
