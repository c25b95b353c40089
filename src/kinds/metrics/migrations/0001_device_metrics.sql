-- Device metrics: the raw rows the smart filter stored, and rollups of every received value.
-- {db} and {retention_days} are filled in by `sift migrate`.

CREATE TABLE IF NOT EXISTS {db}.device_metrics
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time of the reading: the message ts, else its JetStream arrival time',
    device_id LowCardinality(String) COMMENT 'Device key: the last token of telemetry.metrics.<device_id>',
    metric LowCardinality(String) COMMENT 'Metric name',
    value Float64 COMMENT 'Metric value',
    reason LowCardinality(String) COMMENT 'Why the smart filter stored it: first_contact, snapshot, change or previous',
    labels Map(LowCardinality(String), String) COMMENT 'Labels sent with the reading',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent months.
PARTITION BY toYYYYMM(ts)
-- Analysts pick a device and metric, then scan a time range: that order makes it a range read.
ORDER BY (device_id, metric, ts)
-- Raw rows age out after RETENTION_DAYS; the hourly and daily rollups below are kept.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Device metric readings kept by the smart filter (first contact, ≥ threshold change, periodic snapshot), one row per metric';

CREATE TABLE IF NOT EXISTS {db}.device_metric_partials
(
    hour DateTime('UTC') COMMENT 'Start of the hour',
    device_id LowCardinality(String),
    metric LowCardinality(String),
    samples UInt64 COMMENT 'Values received in this batch for this hour, device and metric',
    min_value Float64,
    max_value Float64,
    sum_value Float64,
    last_ts DateTime64(3, 'UTC') COMMENT 'Event time of the newest value in the batch',
    last_value Float64 COMMENT 'Value at last_ts'
)
-- Nothing is kept here: each worker batch inserts its partial aggregates of *every* received value
-- (stored or filtered out), and the materialized views below fold them into the rollups.
ENGINE = Null
COMMENT 'Insert-only feed of per-batch partial aggregates; read the *_hourly_v and *_daily_v views instead';

CREATE TABLE IF NOT EXISTS {db}.device_metrics_hourly
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    device_id LowCardinality(String),
    metric LowCardinality(String),
    samples_total SimpleAggregateFunction(sum, UInt64),
    min_value SimpleAggregateFunction(min, Float64),
    max_value SimpleAggregateFunction(max, Float64),
    sum_value SimpleAggregateFunction(sum, Float64),
    last_value AggregateFunction(argMax, Float64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
-- Same access path as the raw table: device, metric, then time.
ORDER BY (device_id, metric, bucket)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Hourly aggregate states of every received device metric value; query device_metrics_hourly_v';

CREATE TABLE IF NOT EXISTS {db}.device_metrics_daily
(
    bucket Date COMMENT 'Day (UTC)',
    device_id LowCardinality(String),
    metric LowCardinality(String),
    samples_total SimpleAggregateFunction(sum, UInt64),
    min_value SimpleAggregateFunction(min, Float64),
    max_value SimpleAggregateFunction(max, Float64),
    sum_value SimpleAggregateFunction(sum, Float64),
    last_value AggregateFunction(argMax, Float64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
-- Yearly partitions: a daily rollup is small.
PARTITION BY toYear(bucket)
ORDER BY (device_id, metric, bucket)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Daily aggregate states of every received device metric value; query device_metrics_daily_v';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.device_metrics_hourly_mv TO {db}.device_metrics_hourly AS
SELECT
    hour AS bucket,
    device_id,
    metric,
    sum(samples) AS samples_total,
    min(min_value) AS min_value,
    max(max_value) AS max_value,
    sum(sum_value) AS sum_value,
    argMaxState(last_value, last_ts) AS last_value
FROM {db}.device_metric_partials
GROUP BY hour, device_id, metric;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.device_metrics_daily_mv TO {db}.device_metrics_daily AS
SELECT
    toDate(hour) AS bucket,
    device_id,
    metric,
    sum(samples) AS samples_total,
    min(min_value) AS min_value,
    max(max_value) AS max_value,
    sum(sum_value) AS sum_value,
    argMaxState(last_value, last_ts) AS last_value
FROM {db}.device_metric_partials
GROUP BY bucket, device_id, metric;

CREATE VIEW IF NOT EXISTS {db}.device_metrics_hourly_v
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    device_id LowCardinality(String),
    metric LowCardinality(String),
    samples UInt64 COMMENT 'Every value received, stored or filtered out',
    min Float64,
    max Float64,
    avg Float64,
    last Float64 COMMENT 'Value with the newest event time in the hour'
)
AS SELECT
    bucket,
    device_id,
    metric,
    sum(samples_total) AS samples,
    min(min_value) AS min,
    max(max_value) AS max,
    sum(sum_value) / sum(samples_total) AS avg,
    argMaxMerge(last_value) AS last
FROM {db}.device_metrics_hourly
GROUP BY bucket, device_id, metric
COMMENT 'Hourly device metric rollup over every received value (not only the stored ones)';

CREATE VIEW IF NOT EXISTS {db}.device_metrics_daily_v
(
    bucket Date COMMENT 'Day (UTC)',
    device_id LowCardinality(String),
    metric LowCardinality(String),
    samples UInt64 COMMENT 'Every value received, stored or filtered out',
    min Float64,
    max Float64,
    avg Float64,
    last Float64 COMMENT 'Value with the newest event time in the day'
)
AS SELECT
    bucket,
    device_id,
    metric,
    sum(samples_total) AS samples,
    min(min_value) AS min,
    max(max_value) AS max,
    sum(sum_value) / sum(samples_total) AS avg,
    argMaxMerge(last_value) AS last
FROM {db}.device_metrics_daily
GROUP BY bucket, device_id, metric
COMMENT 'Daily device metric rollup over every received value (not only the stored ones)';
