-- Feature usage: every event, and an hourly rollup per app, event and feature.
-- {db}, {retention_days} and {rollup_retention_days} are filled in by `sift migrate`.
CREATE TABLE IF NOT EXISTS {db}.usage_events
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time: the message ts, else its JetStream arrival time',
    app LowCardinality(String) COMMENT 'App key: the last token of telemetry.usage.<app>',
    event LowCardinality(String) COMMENT 'What happened, e.g. export_started',
    feature LowCardinality(String) COMMENT 'Feature it belongs to (empty when not sent)',
    user_id String COMMENT 'Who did it (empty when not sent or dropped by PRIVACY; hex SHA-256 when hashed)',
    instance_id String COMMENT 'App instance it happened on (empty when not sent)',
    properties Map(LowCardinality(String), String) COMMENT 'Free-form properties; non-string values as their JSON text',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent months.
PARTITION BY toYYYYMM(ts)
-- Questions are per app and feature over time (adoption of a feature, who used it): that order makes them range reads.
ORDER BY (app, feature, event, ts)
-- Raw rows age out after RETENTION_DAYS; the hourly rollup below is kept longer.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Every feature usage event, one row an event';

CREATE TABLE IF NOT EXISTS {db}.usage_hourly
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    app LowCardinality(String) COMMENT 'App key',
    event LowCardinality(String) COMMENT 'Event name',
    feature LowCardinality(String) COMMENT 'Feature (empty when not sent)',
    events SimpleAggregateFunction(sum, UInt64) COMMENT 'Events received',
    users AggregateFunction(uniqExact, Nullable(String)) COMMENT 'Distinct non-empty user_id values'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
-- Same access path as the raw table: app and feature, then time.
ORDER BY (app, feature, event, bucket)
-- Rollups are kept ROLLUP_RETENTION_DAYS (default two years), longer than the raw events.
TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Hourly aggregate states of every usage event; query usage_hourly_v';

-- Every stored event is every received event (no filter), so the rollup reads the raw table; a retried
-- insert deduplicated there is deduplicated here too. Exact distinct users: the counts are small per hour.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.usage_hourly_mv TO {db}.usage_hourly AS
SELECT
    toStartOfHour(ts) AS bucket,
    app,
    event,
    feature,
    count() AS events,
    uniqExactState(nullIf(user_id, '')) AS users
FROM {db}.usage_events
GROUP BY bucket, app, event, feature;

CREATE VIEW IF NOT EXISTS {db}.usage_hourly_v
(
    bucket DateTime('UTC') COMMENT 'Start of the hour',
    app LowCardinality(String),
    event LowCardinality(String),
    feature LowCardinality(String),
    events UInt64 COMMENT 'Events received in the hour',
    users UInt64 COMMENT 'Distinct users in the hour (events without user_id not counted); distinct users over several hours need usage_events, not a sum of this'
)
AS SELECT bucket, app, event, feature, sum(events) AS events, uniqExactMerge(users) AS users
FROM {db}.usage_hourly
GROUP BY bucket, app, event, feature
COMMENT 'Hourly feature usage over every received event';
