export const clickhouseConfig = {
  url: {
    doc: 'ClickHouse HTTP URL. Empty: the embedded engine (chDB) in this process.',
    format: 'http-url-or-empty',
    default: '',
    env: 'CLICKHOUSE_URL',
  },
  user: { doc: 'ClickHouse user (HTTP only).', format: String, default: 'default', env: 'CLICKHOUSE_USER' },
  password: { doc: 'ClickHouse password (HTTP only).', format: String, default: '', env: 'CLICKHOUSE_PASSWORD', sensitive: true },
  database: {
    doc: 'Database holding Sift tables (never a system database).',
    format: 'user-database',
    default: 'telemetry',
    env: 'CLICKHOUSE_DATABASE',
  },
  cluster: {
    doc: "ClickHouse cluster (a name in the servers' remote_servers) to create the tables on: replicated tables ON CLUSTER behind Distributed tables of the same names, which inserts and queries use. Empty: one server. The servers need the {shard} and {replica} macros.",
    format: 'cluster-name-or-empty',
    default: '',
    env: 'CLICKHOUSE_CLUSTER',
  },
  migrate: {
    doc: 'Whether a worker applies the migrations at start. false: it only checks they were applied (run `sift migrate` as a user that may create tables), so its user needs INSERT and SELECT only.',
    format: Boolean,
    default: true,
    env: 'WORKER_MIGRATE',
  },
  embeddedPath: {
    doc: 'Data directory of the embedded engine (one process at a time may hold it).',
    format: String,
    default: './data/clickhouse',
    env: 'CLICKHOUSE_EMBEDDED_PATH',
  },
  retentionDays: {
    doc: "Days raw rows are kept (table TTL), 1 to 3650 (the TTL date must stay below DateTime's end in 2106). A change is applied by `sift migrate`, not by a worker.",
    format: 'retention-days',
    default: 90,
    env: 'RETENTION_DAYS',
  },
  rollupRetentionDays: {
    doc: 'Days rollup rows (hourly and daily aggregates) are kept (table TTL); applied to existing tables by `sift migrate` only.',
    format: 'retention-days',
    default: 730,
    env: 'ROLLUP_RETENTION_DAYS',
  },
  tlsCaFile: {
    doc: 'PEM file of the CA that signed the ClickHouse server certificate, for an https:// URL with a private CA.',
    format: String,
    default: '',
    env: 'CLICKHOUSE_TLS_CA_FILE',
  },
  requestTimeoutMs: {
    doc: 'Timeout of one ClickHouse request.',
    format: 'positive-int',
    default: 30_000,
    env: 'CLICKHOUSE_REQUEST_TIMEOUT_MS',
  },
  isolationMaxDepth: {
    doc: 'How many times a batch ClickHouse rejects may be halved to isolate the messages it rejects (those are dead-lettered as insert_rejected, the rest stored). 16 isolates single messages in batches of up to 65,536.',
    format: 'positive-int',
    default: 16,
    env: 'INSERT_ISOLATION_MAX_DEPTH',
  },
  retry: {
    initialMs: { doc: 'First retry delay of a failed insert.', format: 'positive-int', default: 200, env: 'INSERT_RETRY_INITIAL_MS' },
    maxMs: {
      doc: 'Largest retry delay of a failed insert (capped exponential backoff with jitter).',
      format: 'positive-int',
      default: 30_000,
      env: 'INSERT_RETRY_MAX_MS',
    },
  },
};
