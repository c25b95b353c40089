import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ALREADY_STORED, COMMON_DEAD_LETTER_REASONS } from '../pipeline/result.js';
import type { InsertErrorClass } from '../sinks/clickhouse/retry.js';

/** A kind's label values (its KindModule gives them), passed in so telemetry needs no import of the kinds. */
export interface KindLabels {
  readonly name: string;
  readonly storeReasons: readonly string[];
  readonly rowOnlyReasons?: readonly string[];
  readonly dropReasons: readonly string[];
  readonly deadLetterReasons: readonly string[];
}

/**
 * Every Prometheus metric the worker exports, in one place. Counters end in _total, each metric
 * has help text, and no label carries a device id: labels are kind, reason, table, error class
 * and partition (a small fixed number).
 */
export function createMetrics(build: { version: string; gitSha: string }, kinds: readonly KindLabels[]) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  /** Run before a scrape reads the per-message series: the pipeline counts those locally (see PipelineStats). */
  const beforeScrape: Array<() => void> = [];
  const collect = () => {
    for (const flush of beforeScrape) flush();
  };
  const m = {
    registry,
    beforeScrape,
    received: new Counter({
      name: 'sift_messages_received_total',
      help: 'Messages taken from JetStream (a redelivery after a takeover counts again).',
      labelNames: ['kind'],
      registers: [registry],
      collect,
    }),
    stored: new Counter({
      name: 'sift_messages_stored_total',
      help: 'Messages stored in ClickHouse, by why the filter kept them; counted once acked.',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    storedRows: new Counter({
      name: 'sift_rows_stored_total',
      help: 'Rows stored in raw tables, by why; a "previous" row belongs to a message counted as filtered out.',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    filteredOut: new Counter({
      name: 'sift_messages_filtered_out_total',
      help: 'Valid messages the smart filter did not store (still counted in the rollups); counted once acked.',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'sift_messages_dead_lettered_total',
      help: 'Messages republished to the dead-letter stream; counted once acked.',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'sift_messages_in_flight',
      help: 'Messages taken but not yet acked (in a batch or being written).',
      registers: [registry],
      collect,
    }),
    acks: new Counter({ name: 'sift_acks_total', help: 'AckAll acknowledgements sent, one per flushed batch.', registers: [registry] }),
    acked: new Counter({ name: 'sift_messages_acked_total', help: 'Messages acknowledged through batch acks.', registers: [registry] }),
    batchRows: new Histogram({
      name: 'sift_batch_rows',
      help: 'Rows per flushed batch, all tables.',
      buckets: [1, 10, 100, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000],
      registers: [registry],
    }),
    batchBytes: new Histogram({
      name: 'sift_batch_bytes',
      help: 'Message body bytes per flushed batch.',
      buckets: [1e3, 1e4, 1e5, 1e6, 4e6, 8e6, 16e6, 64e6],
      registers: [registry],
    }),
    insertDuration: new Histogram({
      name: 'sift_clickhouse_insert_duration_seconds',
      help: 'Duration of one successful ClickHouse insert.',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    insertedRows: new Counter({
      name: 'sift_clickhouse_rows_inserted_total',
      help: 'Rows inserted into ClickHouse, by table.',
      labelNames: ['table'],
      registers: [registry],
    }),
    insertErrors: new Counter({
      name: 'sift_clickhouse_insert_errors_total',
      help: 'Failed ClickHouse inserts, by error class (bad_data is not retried).',
      labelNames: ['error_class'],
      registers: [registry],
    }),
    insertRetries: new Counter({
      name: 'sift_clickhouse_insert_retries_total',
      help: 'ClickHouse insert retries, by the error class that caused them.',
      labelNames: ['error_class'],
      registers: [registry],
    }),
    isolationInserts: new Counter({
      name: 'sift_insert_isolation_inserts_total',
      help: 'Inserts of parts of rejected batches, made to isolate the messages ClickHouse rejects.',
      registers: [registry],
    }),
    isolatedMessages: new Counter({
      name: 'sift_insert_isolated_messages_total',
      help: 'Messages isolated as the ones ClickHouse rejects (dead-lettered as insert_rejected).',
      registers: [registry],
    }),
    numPending: new Gauge({
      name: 'sift_consumer_num_pending',
      help: 'Messages not yet delivered on a partition consumer (from consumer info).',
      labelNames: ['partition'],
      registers: [registry],
    }),
    numAckPending: new Gauge({
      name: 'sift_consumer_num_ack_pending',
      help: 'Messages delivered but not acked on a partition consumer (from consumer info).',
      labelNames: ['partition'],
      registers: [registry],
    }),
    secondsSinceLastAck: new Gauge({
      name: 'sift_seconds_since_last_ack',
      help: 'Seconds since this worker last acked a batch while its partitions have messages pending or unacked; 0 when nothing is pending.',
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'sift_end_to_end_lag_seconds',
      help: 'Now minus the event time of the newest message in the last flushed batch, per owned partition.',
      labelNames: ['partition'],
      registers: [registry],
    }),
    partitionsOwned: new Gauge({ name: 'sift_partitions_owned', help: 'Partitions this worker consumes now.', registers: [registry] }),
    devicesTracked: new Gauge({
      name: 'sift_filter_devices_tracked',
      help: 'Devices whose filter state this worker holds in memory.',
      registers: [registry],
    }),
    filterEvictions: new Counter({
      name: 'sift_filter_evictions_total',
      help: 'Keys whose filter state was forgotten (metrics: device-metrics), by kind: "cap" when FILTER_MAX_TRACKED was reached (least recently seen first), "idle" after FILTER_IDLE_EVICT_S of silence.',
      labelNames: ['kind', 'cause'],
      registers: [registry],
    }),
    heapLimit: new Gauge({
      name: 'sift_heap_limit_bytes',
      help: "V8's heap limit (NODE_OPTIONS --max-old-space-size, see src/deploy/node-options.ts): a heap used near it means the worker needs a higher limit or fewer partitions.",
      registers: [registry],
      collect() {
        this.set(getHeapStatistics().heap_size_limit);
      },
    }),
    ready: new Gauge({
      name: 'sift_ready',
      help: '1 when NATS is connected, ClickHouse answers, migrations are applied and inserts succeed.',
      registers: [registry],
    }),
    alertsFiring: new Gauge({
      name: 'sift_alerts_firing',
      help: 'Alerts firing now, by rule and severity (set by the evaluating worker; 0 on the others).',
      labelNames: ['rule', 'severity'],
      registers: [registry],
    }),
    alertEvaluationDuration: new Histogram({
      name: 'sift_alert_evaluation_duration_seconds',
      help: 'Duration of one evaluation of one alert rule (state read, query, state write, delivery).',
      labelNames: ['rule'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    alertEvaluationFailures: new Counter({
      name: 'sift_alert_evaluation_failures_total',
      help: 'Alert rule evaluations that failed (query, NATS or a state changed by another evaluator); retried at the next interval.',
      labelNames: ['rule'],
      registers: [registry],
    }),
    alertNotificationFailures: new Counter({
      name: 'sift_alert_notification_failures_total',
      help: 'Alert notifications given up after every retry, by receiver (webhook, alertmanager).',
      labelNames: ['receiver'],
      registers: [registry],
    }),
    buildInfo: new Gauge({
      name: 'sift_build_info',
      help: 'Always 1; labels say which build runs.',
      labelNames: ['version', 'git_sha'],
      registers: [registry],
    }),
  };
  m.buildInfo.set({ version: build.version, git_sha: build.gitSha }, 1);
  initialiseKnownLabels(m, kinds);
  return m;
}

const INSERT_ERROR_CLASSES = Object.keys({
  bad_data: 1,
  auth: 1,
  schema: 1,
  overload: 1,
  timeout: 1,
  network: 1,
  server: 1,
} satisfies Record<InsertErrorClass, 1>);

/** Series of known label values (every registered kind's reasons) start at 0, so rate() and increase() see their first increment. */
function initialiseKnownLabels(m: SiftMetrics, kinds: readonly KindLabels[]): void {
  for (const kind of kinds) {
    const k = kind.name;
    m.received.inc({ kind: k }, 0);
    for (const reason of [...kind.dropReasons, ALREADY_STORED]) m.filteredOut.inc({ kind: k, reason }, 0);
    for (const reason of [...COMMON_DEAD_LETTER_REASONS, ...kind.deadLetterReasons]) m.deadLettered.inc({ kind: k, reason }, 0);
    for (const reason of kind.storeReasons) m.stored.inc({ kind: k, reason }, 0);
    for (const reason of [...kind.storeReasons, ...(kind.rowOnlyReasons ?? [])]) m.storedRows.inc({ kind: k, reason }, 0);
  }
  for (const receiver of ['webhook', 'alertmanager']) m.alertNotificationFailures.inc({ receiver }, 0);
  for (const error_class of INSERT_ERROR_CLASSES) {
    m.insertErrors.inc({ error_class }, 0);
    m.insertRetries.inc({ error_class }, 0);
  }
}

export type SiftMetrics = ReturnType<typeof createMetrics>;

/**
 * The HTTP gateway's metrics, on the registry it is served with (the worker's when it runs inside
 * one). Labels: route (its pattern, never a path with keys in it), status, kind, reason.
 */
export function createGatewayMetrics(registry: Registry, kinds: readonly KindLabels[]) {
  const m = {
    requests: new Counter({
      name: 'sift_gateway_requests_total',
      help: 'HTTP requests answered by the gateway, by route pattern and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'sift_gateway_events_accepted_total',
      help: 'Events the gateway published and JetStream acknowledged, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'sift_gateway_events_rejected_total',
      help: 'Events the gateway answered as rejected (never published), by kind and dead-letter reason.',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    publishDuration: new Histogram({
      name: 'sift_gateway_publish_duration_seconds',
      help: "From publishing a request's events to the last JetStream acknowledgement (or giving up).",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: 'sift_gateway_publish_failures_total',
      help: 'Requests answered 503 because JetStream did not acknowledge every event (NATS away, the stream refusing, a timeout).',
      registers: [registry],
    }),
  };
  for (const kind of kinds) {
    m.accepted.inc({ kind: kind.name }, 0);
    for (const reason of [...COMMON_DEAD_LETTER_REASONS, ...kind.deadLetterReasons]) m.rejected.inc({ kind: kind.name, reason }, 0);
  }
  return m;
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
