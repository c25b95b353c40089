-- API requests: every valid request as sent, and hourly and daily rollups per service, endpoint and method.
-- {db}, {retention_days} and {rollup_retention_days} are filled in by `sift migrate`.

CREATE TABLE IF NOT EXISTS {db}.api_requests
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time of the request: the message ts, else its JetStream arrival time',
    service LowCardinality(String) COMMENT 'Service key: the last token of telemetry.api.<service>',
    method LowCardinality(String) COMMENT 'HTTP method, upper case',
    endpoint LowCardinality(String) COMMENT 'Endpoint as a route template (/users/{id})',
    status UInt16 COMMENT 'HTTP status code, 100 to 599',
    duration_ms Float64 COMMENT 'Time to answer, milliseconds',
    user_id String COMMENT 'Caller user id; empty when absent or dropped by PRIVACY, hex SHA-256 when hashed',
    session_id String COMMENT 'Caller session id; empty when absent or dropped by PRIVACY, hex SHA-256 when hashed',
    client_ip String COMMENT 'Caller IP address; empty when absent or dropped by PRIVACY, hex SHA-256 when hashed',
    user_agent String COMMENT 'Caller User-Agent; empty when absent or dropped by PRIVACY, hex SHA-256 when hashed',
    request_bytes Nullable(UInt64) COMMENT 'Request body size in bytes, NULL when not sent',
    response_bytes Nullable(UInt64) COMMENT 'Response body size in bytes, NULL when not sent',
    error String COMMENT 'Error message the service gave, empty when none',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent hours or days.
PARTITION BY toYYYYMM(ts)
-- Questions go per service (health in the last hour), then per endpoint over a time range:
-- service first makes both a range read, ts last lets "the last hour" skip older granules.
ORDER BY (service, endpoint, ts)
-- Raw rows age out after RETENTION_DAYS; the hourly and daily rollups below are kept longer.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'API requests as services reported them, one row per request (every valid request is stored)';

CREATE TABLE IF NOT EXISTS {db}.api_requests_hourly
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    service LowCardinality(String) COMMENT 'Service key',
    endpoint LowCardinality(String) COMMENT 'Endpoint route template',
    method LowCardinality(String) COMMENT 'HTTP method',
    requests_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Requests received',
    errors_4xx_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Requests answered 400 to 499',
    errors_5xx_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Requests answered 500 to 599',
    duration_sum_ms SimpleAggregateFunction(sum, Float64) COMMENT 'Sum of answer times, ms',
    duration_max_ms SimpleAggregateFunction(max, Float64) COMMENT 'Longest answer time, ms',
    duration_quantiles AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64) COMMENT 't-digest of answer times (p50, p95, p99)',
    request_bytes_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Request bytes (absent sizes count 0)',
    response_bytes_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Response bytes (absent sizes count 0)'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
-- Same access path as the raw table: service, endpoint, method, then time.
ORDER BY (service, endpoint, method, bucket)
TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Hourly aggregate states of every API request; query api_requests_hourly_v';

CREATE TABLE IF NOT EXISTS {db}.api_requests_daily
(
    bucket Date COMMENT 'Day (UTC)',
    service LowCardinality(String) COMMENT 'Service key',
    endpoint LowCardinality(String) COMMENT 'Endpoint route template',
    method LowCardinality(String) COMMENT 'HTTP method',
    requests_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Requests received',
    errors_4xx_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Requests answered 400 to 499',
    errors_5xx_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Requests answered 500 to 599',
    duration_sum_ms SimpleAggregateFunction(sum, Float64) COMMENT 'Sum of answer times, ms',
    duration_max_ms SimpleAggregateFunction(max, Float64) COMMENT 'Longest answer time, ms',
    duration_quantiles AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64) COMMENT 't-digest of answer times (p50, p95, p99)',
    request_bytes_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Request bytes (absent sizes count 0)',
    response_bytes_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Response bytes (absent sizes count 0)'
)
ENGINE = AggregatingMergeTree
-- Yearly partitions: a daily rollup is small.
PARTITION BY toYear(bucket)
ORDER BY (service, endpoint, method, bucket)
TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Daily aggregate states of every API request; query api_requests_daily_v';

-- Every valid request is stored, so the rollups follow the raw table; a retried batch's repeated
-- insert is dropped by its token here too (deduplicate_blocks_in_dependent_materialized_views).
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.api_requests_hourly_mv TO {db}.api_requests_hourly AS
SELECT
    toStartOfHour(ts) AS bucket,
    service,
    endpoint,
    method,
    count() AS requests_total,
    countIf(status >= 400 AND status < 500) AS errors_4xx_total,
    countIf(status >= 500) AS errors_5xx_total,
    sum(duration_ms) AS duration_sum_ms,
    max(duration_ms) AS duration_max_ms,
    quantilesTDigestState(0.5, 0.95, 0.99)(duration_ms) AS duration_quantiles,
    sum(ifNull(request_bytes, 0)) AS request_bytes_total,
    sum(ifNull(response_bytes, 0)) AS response_bytes_total
FROM {db}.api_requests
GROUP BY bucket, service, endpoint, method;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.api_requests_daily_mv TO {db}.api_requests_daily AS
SELECT
    toDate(ts) AS bucket,
    service,
    endpoint,
    method,
    count() AS requests_total,
    countIf(status >= 400 AND status < 500) AS errors_4xx_total,
    countIf(status >= 500) AS errors_5xx_total,
    sum(duration_ms) AS duration_sum_ms,
    max(duration_ms) AS duration_max_ms,
    quantilesTDigestState(0.5, 0.95, 0.99)(duration_ms) AS duration_quantiles,
    sum(ifNull(request_bytes, 0)) AS request_bytes_total,
    sum(ifNull(response_bytes, 0)) AS response_bytes_total
FROM {db}.api_requests
GROUP BY bucket, service, endpoint, method;

CREATE VIEW IF NOT EXISTS {db}.api_requests_hourly_v
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    service LowCardinality(String),
    endpoint LowCardinality(String),
    method LowCardinality(String),
    requests UInt64 COMMENT 'Requests received',
    errors_4xx UInt64 COMMENT 'Requests answered 400 to 499',
    errors_5xx UInt64 COMMENT 'Requests answered 500 to 599',
    error_rate Float64 COMMENT 'errors_5xx / requests',
    duration_avg_ms Float64,
    duration_p50_ms Float64 COMMENT 'Approximate (t-digest) median answer time',
    duration_p95_ms Float64 COMMENT 'Approximate (t-digest) 95th percentile',
    duration_p99_ms Float64 COMMENT 'Approximate (t-digest) 99th percentile',
    duration_max_ms Float64,
    request_bytes UInt64,
    response_bytes UInt64
)
AS SELECT
    bucket,
    service,
    endpoint,
    method,
    sum(requests_total) AS requests,
    sum(errors_4xx_total) AS errors_4xx,
    sum(errors_5xx_total) AS errors_5xx,
    sum(errors_5xx_total) / sum(requests_total) AS error_rate,
    sum(duration_sum_ms) / sum(requests_total) AS duration_avg_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[1]) AS duration_p50_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[2]) AS duration_p95_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[3]) AS duration_p99_ms,
    max(duration_max_ms) AS duration_max_ms,
    sum(request_bytes_total) AS request_bytes,
    sum(response_bytes_total) AS response_bytes
FROM {db}.api_requests_hourly
GROUP BY bucket, service, endpoint, method
COMMENT 'Hourly API requests per service, endpoint and method: counts, error rate, answer-time average and percentiles';

CREATE VIEW IF NOT EXISTS {db}.api_requests_daily_v
(
    bucket Date COMMENT 'Day (UTC)',
    service LowCardinality(String),
    endpoint LowCardinality(String),
    method LowCardinality(String),
    requests UInt64 COMMENT 'Requests received',
    errors_4xx UInt64 COMMENT 'Requests answered 400 to 499',
    errors_5xx UInt64 COMMENT 'Requests answered 500 to 599',
    error_rate Float64 COMMENT 'errors_5xx / requests',
    duration_avg_ms Float64,
    duration_p50_ms Float64 COMMENT 'Approximate (t-digest) median answer time',
    duration_p95_ms Float64 COMMENT 'Approximate (t-digest) 95th percentile',
    duration_p99_ms Float64 COMMENT 'Approximate (t-digest) 99th percentile',
    duration_max_ms Float64,
    request_bytes UInt64,
    response_bytes UInt64
)
AS SELECT
    bucket,
    service,
    endpoint,
    method,
    sum(requests_total) AS requests,
    sum(errors_4xx_total) AS errors_4xx,
    sum(errors_5xx_total) AS errors_5xx,
    sum(errors_5xx_total) / sum(requests_total) AS error_rate,
    sum(duration_sum_ms) / sum(requests_total) AS duration_avg_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[1]) AS duration_p50_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[2]) AS duration_p95_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[3]) AS duration_p99_ms,
    max(duration_max_ms) AS duration_max_ms,
    sum(request_bytes_total) AS request_bytes,
    sum(response_bytes_total) AS response_bytes
FROM {db}.api_requests_daily
GROUP BY bucket, service, endpoint, method
COMMENT 'Daily API requests per service, endpoint and method: counts, error rate, answer-time average and percentiles';

-- The old /api/performance endpoint: per service, endpoint and method over the hour buckets that
-- overlap the last {hours} hours (whole hours, so it reads the rollup); endpoint '' means all.
CREATE VIEW IF NOT EXISTS {db}.api_performance AS
SELECT
    service,
    endpoint,
    method,
    sum(requests_total) AS requests,
    sum(errors_4xx_total) AS errors_4xx,
    sum(errors_5xx_total) AS errors_5xx,
    sum(errors_5xx_total) / sum(requests_total) AS error_rate,
    sum(duration_sum_ms) / sum(requests_total) AS duration_avg_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[1]) AS duration_p50_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[2]) AS duration_p95_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[3]) AS duration_p99_ms,
    max(duration_max_ms) AS duration_max_ms
FROM {db}.api_requests_hourly
WHERE bucket >= toStartOfHour(now() - toIntervalHour({hours:UInt32}))
  AND ({endpoint:String} = '' OR endpoint = {endpoint:String})
GROUP BY service, endpoint, method;
