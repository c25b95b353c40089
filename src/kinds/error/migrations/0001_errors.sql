-- Errors: the raw rows storm suppression stored, and an hourly rollup of every received error.
-- {db}, {retention_days} and {rollup_retention_days} are filled in by `sift migrate`.

CREATE TABLE IF NOT EXISTS {db}.errors
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time of the error: the message ts, else its JetStream arrival time',
    source LowCardinality(String) COMMENT 'Service, app or device that reported it: the last token of telemetry.error.<source>',
    category LowCardinality(String) COMMENT 'Lower-case area: api, database, external_service, validation, frontend, device, …',
    severity LowCardinality(String) COMMENT 'critical, error, warning or info',
    code String COMMENT 'Error code, empty when the producer sent none',
    message String COMMENT 'The message as sent (the fingerprint uses it with numbers, hex ids and UUIDs normalized)',
    stack String COMMENT 'Stack trace, empty when none was sent',
    context Map(LowCardinality(String), String) COMMENT 'Free-form details; non-string values as their JSON text',
    fingerprint String COMMENT 'Storm suppression identity: 16 hex digits of SHA-256 over source, category, code and normalized message',
    repeats UInt32 COMMENT 'Errors of this fingerprint suppressed (not stored) since the previous stored one',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent months.
PARTITION BY toYYYYMM(ts)
-- Analysts look at one source's errors, by category, over a time range; the fingerprint is then a cheap filter.
ORDER BY (source, category, ts)
-- Raw rows age out after RETENTION_DAYS; the hourly rollup below is kept longer.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Errors stored by storm suppression: each fingerprint at most once per ERROR_SUPPRESS_WINDOW_S of event time, with the suppressed count in repeats';

CREATE TABLE IF NOT EXISTS {db}.error_partials
(
    hour DateTime('UTC') COMMENT 'Start of the hour',
    source LowCardinality(String),
    category LowCardinality(String),
    severity LowCardinality(String),
    errors UInt64 COMMENT 'Errors received in this batch for this hour, source, category and severity'
)
-- Nothing is kept here: each worker batch inserts its counts of *every* received error (stored or
-- suppressed), and the materialized view below folds them into the rollup.
ENGINE = Null
COMMENT 'Insert-only feed of per-batch error counts; read errors_hourly_v instead';

CREATE TABLE IF NOT EXISTS {db}.errors_hourly
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    source LowCardinality(String),
    category LowCardinality(String),
    severity LowCardinality(String),
    errors SimpleAggregateFunction(sum, UInt64) COMMENT 'Errors received, stored or suppressed'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
-- Error trends are asked per category first (error_trends(hours, category)), then over time.
ORDER BY (category, source, severity, bucket)
TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Hourly counts of every received error; query errors_hourly_v';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.errors_hourly_mv TO {db}.errors_hourly AS
SELECT
    hour AS bucket,
    source,
    category,
    severity,
    sum(errors) AS errors
FROM {db}.error_partials
GROUP BY hour, source, category, severity;

CREATE VIEW IF NOT EXISTS {db}.errors_hourly_v
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    source LowCardinality(String),
    category LowCardinality(String),
    severity LowCardinality(String),
    errors UInt64 COMMENT 'Every error received, stored or suppressed'
)
AS SELECT
    bucket,
    source,
    category,
    severity,
    sum(errors) AS errors
FROM {db}.errors_hourly
GROUP BY bucket, source, category, severity
COMMENT 'Hourly error counts over every received error (not only the stored ones)';

-- error_trends(hours, category): the old error-trends endpoint. Buckets from the hour holding
-- now() - hours on; an empty category means every category.
CREATE VIEW IF NOT EXISTS {db}.error_trends AS
SELECT
    bucket,
    category,
    sum(n) AS errors,
    sumIf(n, severity = 'critical') AS critical,
    uniqExact(source) AS sources
FROM
(
    SELECT bucket, category, severity, source, errors AS n
    FROM {db}.errors_hourly_v
    WHERE bucket >= toStartOfHour(now() - toIntervalHour({hours:UInt32}))
      AND ({category:String} = '' OR category = {category:String})
)
GROUP BY bucket, category
ORDER BY bucket, category;
