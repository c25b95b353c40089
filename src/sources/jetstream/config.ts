export const natsConfig = {
  url: { doc: 'NATS server URL(s), comma-separated for a cluster. nats://user:password@host:4222 or nats://token@host:4222 signs in with those (percent-encode a "," in them), instead of the keys below: give one way to sign in.', format: 'nats-url', default: 'nats://127.0.0.1:4222', env: 'NATS_URL' },
  user: { doc: 'NATS user name (with NATS_PASSWORD).', format: String, default: '', env: 'NATS_USER' },
  password: { doc: 'NATS password.', format: String, default: '', env: 'NATS_PASSWORD', sensitive: true },
  token: { doc: 'NATS auth token.', format: String, default: '', env: 'NATS_TOKEN', sensitive: true },
  creds: { doc: 'Path to a NATS .creds file (JWT + NKey).', format: String, default: '', env: 'NATS_CREDS' },
  nkeySeedFile: { doc: 'Path to a file holding an NKey seed (SU…) to authenticate with.', format: String, default: '', env: 'NATS_NKEY_SEED_FILE' },
  tls: {
    caFile: { doc: 'PEM file of the CA that signed the NATS server certificate (tls:// URLs or a server requiring TLS).', format: String, default: '', env: 'NATS_TLS_CA_FILE' },
    certFile: { doc: 'PEM client certificate, for a server that verifies clients (with NATS_TLS_KEY_FILE).', format: String, default: '', env: 'NATS_TLS_CERT_FILE' },
    keyFile: { doc: 'PEM private key of the client certificate.', format: String, default: '', env: 'NATS_TLS_KEY_FILE' },
  },
  startRetryS: {
    doc: 'How long a command keeps trying to reach NATS at start, in seconds, before it gives up: capped, jittered backoff, one log line per attempt. Empty: the command decides: a worker waits for ever (its /readyz says not ready meanwhile), a one-shot command (provision, status, simulate, dlq, alerts, backfill) 10 s. "forever", or 0 for a single attempt.',
    format: 'start-retry', default: '' as '' | 'forever' | number, env: 'NATS_START_RETRY_S',
  },
  provision: {
    doc: 'Whether a worker creates the streams and consumers it needs. false: it only checks they exist (run `sift provision` with an admin account), so its NATS account needs publish and consume rights only.',
    format: Boolean, default: true, env: 'WORKER_PROVISION',
  },
  stream: { doc: 'JetStream stream holding the telemetry.', format: 'identifier', default: 'TELEMETRY', env: 'STREAM_NAME' },
  subjectPrefix: {
    doc: 'First subject token: devices publish to <prefix>.<kind>.<key>.',
    format: 'subject-token', default: 'telemetry', env: 'SUBJECT_PREFIX',
  },
  partitions: {
    doc: 'Number of key partitions (fixed once provisioned: changing it needs a new stream).',
    format: 'positive-int', default: 16, env: 'PARTITIONS',
  },
  storage: { doc: 'Stream storage.', format: ['file', 'memory'], default: 'file', env: 'STREAM_STORAGE' },
  replicas: { doc: 'Stream replicas (1, 3 or 5 in a cluster).', format: [1, 3, 5], default: 1, env: 'STREAM_REPLICAS' },
  maxAgeS: { doc: 'Stream retention in seconds (0 = unlimited).', format: 'non-negative-int', default: 7 * 24 * 3600, env: 'STREAM_MAX_AGE_S' },
  maxBytes: { doc: 'Stream size limit in bytes (-1 = unlimited).', format: 'int', default: -1, env: 'STREAM_MAX_BYTES' },
  maxMsgBytes: {
    doc: 'Largest accepted message body in bytes; larger ones are dead-lettered as oversize.',
    format: 'positive-int', default: 64 * 1024, env: 'MAX_MESSAGE_BYTES',
  },
  dlqStream: { doc: 'Stream holding dead-lettered messages.', format: 'identifier', default: 'TELEMETRY_DLQ', env: 'DLQ_STREAM_NAME' },
  dlqSubjectPrefix: {
    doc: 'First subject token of dead letters: <prefix>.<kind>.',
    format: 'subject-token', default: 'telemetry-dlq', env: 'DLQ_SUBJECT_PREFIX',
  },
  dlqMaxAgeS: {
    doc: 'How long the dead-letter stream keeps a dead letter, in seconds (0 = for ever). Default 14 days, twice the telemetry stream\'s default: dead letters raised while nobody looked for a week can still be read, fixed and replayed, and their bodies (with what personal data PRIVACY does not cover) do not stay for ever. Applied when provisioning, to an existing stream too.',
    format: 'non-negative-int', default: 14 * 24 * 3600, env: 'DLQ_MAX_AGE_S',
  },
  consumer: {
    prefix: { doc: 'Durable consumer name prefix; partition p is <prefix>-p<p>.', format: 'subject-token', default: 'sift', env: 'CONSUMER_PREFIX' },
    group: { doc: 'Priority group name the workers pull in (pinned client).', format: 'subject-token', default: 'sift', env: 'CONSUMER_GROUP' },
    ackWaitMs: {
      doc: 'How long the server waits for an ack before redelivering. Must exceed the batch wait plus a slow insert.',
      format: 'positive-int', default: 30_000, env: 'CONSUMER_ACK_WAIT_MS',
    },
    maxAckPending: {
      doc: 'Unacked messages allowed per partition; must be larger than a batch (one AckAll covers a whole batch).',
      format: 'positive-int', default: 100_000, env: 'CONSUMER_MAX_ACK_PENDING',
    },
    maxDeliver: {
      doc: 'Deliveries before the server gives a message up. -1: never, since bad input is dead-lettered by the worker and redelivery only follows a worker or ClickHouse outage, which must not lose data.',
      format: 'max-deliver', default: -1, env: 'CONSUMER_MAX_DELIVER',
    },
    readAheadMessages: {
      doc: 'Messages a worker asks the server for ahead of processing, split across the partitions (at least 100 each); a partition pulls again once a quarter of its share has arrived. Larger means fewer pull requests but more messages held in memory; the byte bound below still holds.',
      format: 'positive-int', default: 8_192, env: 'CONSUMER_READ_AHEAD_MESSAGES',
    },
    readAheadBytes: {
      doc: 'Bytes one pull request may bring, split across the partitions (at least 2 MiB a partition, so the largest message fits); with large messages this, not the message count, bounds the read-ahead. Keep it and partitions × 2 MiB well under the server\'s max_pending (64 MiB by default), or the server drops the worker as a slow consumer.',
      format: 'positive-int', default: 32 * 1024 * 1024, env: 'CONSUMER_READ_AHEAD_BYTES',
    },
    heartbeatMs: {
      doc: 'How often a worker announces itself; partitions are assigned across the workers heard from in the last three beats.',
      format: 'positive-int', default: 2_000, env: 'WORKER_HEARTBEAT_MS',
    },
    pinnedTtlMs: {
      doc: 'How long a silent pinned worker keeps its partition before another may take it over. A worker\'s pull requests expire within a third of it (at most 5 s), so a live worker always renews its pin in time.',
      format: 'positive-int', default: 15_000, env: 'CONSUMER_PINNED_TTL_MS',
    },
    staticPartitions: {
      doc: 'Fixed placement: the partitions this worker consumes, e.g. "0-7" (each partition on exactly one worker, by the operator). Empty: live workers share all partitions.',
      format: 'partition-list', default: [] as number[], env: 'WORKER_PARTITIONS',
    },
  },
};
