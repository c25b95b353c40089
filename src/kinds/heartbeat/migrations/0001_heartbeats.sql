-- Instance heartbeats: every beat, a daily rollup per instance, the instances and the silent ones.
-- {db}, {retention_days} and {rollup_retention_days} are filled in by `sift migrate`.
CREATE TABLE IF NOT EXISTS {db}.heartbeats
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time of the beat: the message ts, else its JetStream arrival time',
    instance_id LowCardinality(String) COMMENT 'Instance key: the last token of telemetry.heartbeat.<instance_id>',
    app LowCardinality(String) COMMENT 'The app the instance runs',
    version LowCardinality(String) COMMENT 'App version (empty when not sent)',
    status LowCardinality(String) COMMENT 'Status the instance reported (empty when not sent)',
    interval_s UInt32 COMMENT 'Seconds the instance promised until its next beat (3600 when not sent); stale after twice this',
    os LowCardinality(String) COMMENT 'system.os (empty when not sent)',
    os_version LowCardinality(String) COMMENT 'system.os_version',
    arch LowCardinality(String) COMMENT 'system.arch',
    hostname String COMMENT 'system.hostname (hex SHA-256 when PRIVACY hashes it, empty when dropped)',
    runtime LowCardinality(String) COMMENT 'system.runtime',
    runtime_version LowCardinality(String) COMMENT 'system.runtime_version',
    cpu_count Nullable(UInt16) COMMENT 'system.cpu_count (NULL when not sent)',
    memory_bytes Nullable(UInt64) COMMENT 'system.memory_bytes (NULL when not sent)',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent months.
PARTITION BY toYYYYMM(ts)
-- Questions are per instance over time (its beats, when it was last seen): instance first makes them range reads.
ORDER BY (instance_id, ts)
-- Raw rows age out after RETENTION_DAYS; the daily rollup below keeps first_seen and counts.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Every heartbeat of every instance, one row a beat';

CREATE TABLE IF NOT EXISTS {db}.instances_daily
(
    bucket Date COMMENT 'Day (UTC)',
    instance_id LowCardinality(String) COMMENT 'Instance key',
    heartbeats SimpleAggregateFunction(sum, UInt64) COMMENT 'Beats received on the day',
    first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')) COMMENT 'Event time of the first beat of the day',
    last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'Event time of the last beat of the day',
    latest AggregateFunction(argMax, Tuple(app String, version String, status String, interval_s UInt32, os String, os_version String, arch String, hostname String, runtime String, runtime_version String, cpu_count Nullable(UInt16), memory_bytes Nullable(UInt64)), DateTime64(3, 'UTC')) COMMENT 'Fields of the newest beat of the day'
)
ENGINE = AggregatingMergeTree
-- Yearly partitions: one row per instance and day is small.
PARTITION BY toYear(bucket)
-- instances_v groups by instance: instance first.
ORDER BY (instance_id, bucket)
-- Rollups are kept ROLLUP_RETENTION_DAYS (default two years), longer than the raw beats.
TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Daily aggregate states of every heartbeat per instance; query instances_v and stale_instances_v';

-- Every stored beat is every received beat (no filter), so the rollup reads the raw table; a retried
-- insert deduplicated there is deduplicated here too.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.instances_daily_mv TO {db}.instances_daily AS
SELECT
    toDate(ts) AS bucket,
    instance_id,
    count() AS heartbeats,
    min(ts) AS first_seen,
    max(ts) AS last_seen,
    argMaxState(CAST((toString(app), toString(version), toString(status), interval_s, toString(os), toString(os_version), toString(arch), hostname, toString(runtime), toString(runtime_version), cpu_count, memory_bytes),
        'Tuple(app String, version String, status String, interval_s UInt32, os String, os_version String, arch String, hostname String, runtime String, runtime_version String, cpu_count Nullable(UInt16), memory_bytes Nullable(UInt64))'), ts) AS latest
FROM {db}.heartbeats
GROUP BY bucket, instance_id;

CREATE VIEW IF NOT EXISTS {db}.instances_v
(
    instance_id LowCardinality(String) COMMENT 'Instance key',
    app String COMMENT 'App of the newest beat',
    version String COMMENT 'Version of the newest beat',
    status String COMMENT 'Status of the newest beat',
    interval_s UInt32 COMMENT 'Promised beat interval of the newest beat',
    first_seen DateTime64(3, 'UTC') COMMENT 'Event time of the first beat ever received (within ROLLUP_RETENTION_DAYS)',
    last_seen DateTime64(3, 'UTC') COMMENT 'Event time of the newest beat',
    heartbeats UInt64 COMMENT 'Beats received',
    os String,
    os_version String,
    arch String,
    hostname String,
    runtime String,
    runtime_version String,
    cpu_count Nullable(UInt16),
    memory_bytes Nullable(UInt64)
)
AS SELECT
    instance_id,
    latest.app AS app,
    latest.version AS version,
    latest.status AS status,
    latest.interval_s AS interval_s,
    first_seen,
    last_seen,
    heartbeats,
    latest.os AS os,
    latest.os_version AS os_version,
    latest.arch AS arch,
    latest.hostname AS hostname,
    latest.runtime AS runtime,
    latest.runtime_version AS runtime_version,
    latest.cpu_count AS cpu_count,
    latest.memory_bytes AS memory_bytes
FROM
(
    SELECT instance_id, min(first_seen) AS first_seen, max(last_seen) AS last_seen, sum(heartbeats) AS heartbeats, argMaxMerge(latest) AS latest
    FROM {db}.instances_daily
    GROUP BY instance_id
)
COMMENT 'One row per instance: when it was first and last seen, how many beats, and what its newest beat said';

CREATE VIEW IF NOT EXISTS {db}.stale_instances_v
(
    instance_id LowCardinality(String) COMMENT 'Instance key',
    app String COMMENT 'App of the newest beat',
    last_seen DateTime64(3, 'UTC') COMMENT 'Event time of the newest beat',
    interval_s UInt32 COMMENT 'Promised beat interval of the newest beat',
    silent_s UInt64 COMMENT 'Whole seconds since last_seen, by the wall clock'
)
AS SELECT
    instance_id,
    app,
    last_seen,
    interval_s,
    toUInt64(intDiv(dateDiff('millisecond', last_seen, now64(3)), 1000)) AS silent_s
FROM {db}.instances_v
WHERE dateDiff('millisecond', last_seen, now64(3)) > 2000 * toInt64(interval_s)
COMMENT 'Instances not seen for more than twice the beat interval they promised (wall clock)';
