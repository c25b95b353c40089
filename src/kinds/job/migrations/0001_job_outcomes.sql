-- Job outcomes: every valid outcome as sent, and an hourly rollup per job type.
-- {db}, {retention_days} and {rollup_retention_days} are filled in by `sift migrate`.

CREATE TABLE IF NOT EXISTS {db}.job_outcomes
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time of the outcome: the message ts, else its JetStream arrival time',
    job_type LowCardinality(String) COMMENT 'Job type key: the last token of telemetry.job.<job_type>',
    job_id String COMMENT 'Id of the job run (a retried run repeats it with a higher retry_count)',
    status LowCardinality(String) COMMENT 'How the run ended: success, failure, timeout or cancelled',
    duration_ms Float64 COMMENT 'Run time, milliseconds',
    device_id String COMMENT 'Device the job ran for; empty when not sent',
    error_code LowCardinality(String) COMMENT 'Error code of a failed run; empty when not sent',
    retry_count UInt32 COMMENT 'Retries before this outcome (0 when not sent)',
    initiated_by String COMMENT 'Who or what started the job; empty when absent or dropped by PRIVACY, hex SHA-256 when hashed',
    metadata Map(LowCardinality(String), String) COMMENT 'Free-form details; non-string values as their JSON text',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent days.
PARTITION BY toYYYYMM(ts)
-- Questions go per job type over a time range (success rate over a week, a type's failures today).
ORDER BY (job_type, ts)
-- Raw rows age out after RETENTION_DAYS; the hourly rollup below is kept longer.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Job outcomes as reported, one row per finished run (every valid outcome is stored)';

CREATE TABLE IF NOT EXISTS {db}.job_outcomes_hourly
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    job_type LowCardinality(String) COMMENT 'Job type key',
    jobs_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Outcomes received',
    succeeded_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Outcomes with status success',
    failed_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Outcomes with status failure',
    timed_out_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Outcomes with status timeout',
    cancelled_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Outcomes with status cancelled',
    retries_total SimpleAggregateFunction(sum, UInt64) COMMENT 'Sum of retry_count',
    duration_sum_ms SimpleAggregateFunction(sum, Float64) COMMENT 'Sum of run times, ms',
    duration_p95 AggregateFunction(quantileTDigest(0.95), Float64) COMMENT 't-digest of run times (p95)'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
-- Same access path as the raw table: job type, then time.
ORDER BY (job_type, bucket)
TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Hourly aggregate states of every job outcome; query job_outcomes_hourly_v';

-- Every valid outcome is stored, so the rollup follows the raw table; a retried batch's repeated
-- insert is dropped by its token here too (deduplicate_blocks_in_dependent_materialized_views).
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.job_outcomes_hourly_mv TO {db}.job_outcomes_hourly AS
SELECT
    toStartOfHour(ts) AS bucket,
    job_type,
    count() AS jobs_total,
    countIf(status = 'success') AS succeeded_total,
    countIf(status = 'failure') AS failed_total,
    countIf(status = 'timeout') AS timed_out_total,
    countIf(status = 'cancelled') AS cancelled_total,
    sum(toUInt64(retry_count)) AS retries_total,
    sum(duration_ms) AS duration_sum_ms,
    quantileTDigestState(0.95)(duration_ms) AS duration_p95
FROM {db}.job_outcomes
GROUP BY bucket, job_type;

CREATE VIEW IF NOT EXISTS {db}.job_outcomes_hourly_v
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    job_type LowCardinality(String),
    jobs UInt64 COMMENT 'Outcomes received',
    succeeded UInt64,
    failed UInt64,
    timed_out UInt64,
    cancelled UInt64,
    success_rate Float64 COMMENT 'succeeded / jobs',
    retries UInt64 COMMENT 'Sum of retry_count',
    duration_avg_ms Float64,
    duration_p95_ms Float64 COMMENT 'Approximate (t-digest) 95th percentile of run times'
)
AS SELECT
    bucket,
    job_type,
    sum(jobs_total) AS jobs,
    sum(succeeded_total) AS succeeded,
    sum(failed_total) AS failed,
    sum(timed_out_total) AS timed_out,
    sum(cancelled_total) AS cancelled,
    sum(succeeded_total) / sum(jobs_total) AS success_rate,
    sum(retries_total) AS retries,
    sum(duration_sum_ms) / sum(jobs_total) AS duration_avg_ms,
    toFloat64(quantileTDigestMerge(0.95)(duration_p95)) AS duration_p95_ms
FROM {db}.job_outcomes_hourly
GROUP BY bucket, job_type
COMMENT 'Hourly job outcomes per job type: counts by status, success rate, retries, run-time average and p95';

-- The old /jobs/stats endpoint: per job type over the hour buckets that overlap the last {hours}
-- hours (whole hours, so it reads the rollup); job_type '' means all.
CREATE VIEW IF NOT EXISTS {db}.job_outcome_stats AS
SELECT
    job_type,
    sum(jobs_total) AS jobs,
    sum(succeeded_total) AS succeeded,
    sum(failed_total) AS failed,
    sum(timed_out_total) AS timed_out,
    sum(cancelled_total) AS cancelled,
    sum(succeeded_total) / sum(jobs_total) AS success_rate,
    sum(retries_total) AS retries,
    sum(duration_sum_ms) / sum(jobs_total) AS duration_avg_ms,
    toFloat64(quantileTDigestMerge(0.95)(duration_p95)) AS duration_p95_ms
FROM {db}.job_outcomes_hourly
WHERE bucket >= toStartOfHour(now() - toIntervalHour({hours:UInt32}))
  AND ({job_type:String} = '' OR job_type = {job_type:String})
GROUP BY job_type;
