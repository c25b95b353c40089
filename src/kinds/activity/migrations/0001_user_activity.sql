-- User activity: every valid event in the raw table, and rollups (materialized views on it) for
-- daily active users and sessions. {db}, {retention_days} and {rollup_retention_days} are filled in by `sift migrate`.

CREATE TABLE IF NOT EXISTS {db}.user_activity
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time of the activity: the message ts, else its JetStream arrival time',
    app LowCardinality(String) COMMENT 'Application: the last token of telemetry.activity.<app>',
    session_id String COMMENT 'Session the activity belongs to',
    user_id String COMMENT 'Signed-in user (hashed or empty when PRIVACY says so); empty for anonymous sessions',
    activity_type LowCardinality(String) COMMENT 'page_view, click, search, interaction, login, logout, …',
    page_url String COMMENT 'Page the activity happened on; empty when absent or dropped by PRIVACY',
    element_id String COMMENT 'UI element used; empty when absent',
    search_query String COMMENT 'What the user searched for; empty when absent or dropped by PRIVACY',
    duration_ms Nullable(Float64) COMMENT 'How long the activity took, ms; NULL when not sent',
    metadata Map(LowCardinality(String), String) COMMENT 'Free-form details; non-string values as their JSON text',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent months.
PARTITION BY toYYYYMM(ts)
-- Questions are per app over a recent time range (active sessions now, a day's activity): app, then time.
ORDER BY (app, ts)
-- Raw rows age out after RETENTION_DAYS; the daily users and sessions rollups are kept longer.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Every valid user activity event, one row each';

CREATE TABLE IF NOT EXISTS {db}.active_users_daily
(
    day Date COMMENT 'Day (UTC)',
    app LowCardinality(String),
    users AggregateFunction(uniqExact, Nullable(String)) COMMENT 'Set of signed-in users active that day (anonymous activity is not a user)',
    sessions AggregateFunction(uniqExact, String) COMMENT 'Set of sessions active that day'
)
ENGINE = AggregatingMergeTree
-- Yearly partitions: a daily rollup is small.
PARTITION BY toYear(day)
-- DAU, WAU and MAU are asked per app over a run of days.
ORDER BY (app, day)
TTL toDateTime(day) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Per day and app, the exact sets of active users and sessions (states, so weeks and months can merge them); query active_users_daily_v and active_users_v';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.active_users_daily_mv TO {db}.active_users_daily AS
SELECT
    toDate(ts) AS day,
    app,
    uniqExactState(if(user_id = '', NULL, user_id)) AS users,
    uniqExactState(session_id) AS sessions
FROM {db}.user_activity
GROUP BY day, app;

CREATE TABLE IF NOT EXISTS {db}.user_sessions
(
    day Date COMMENT 'Day (UTC) of the activity; a session across midnight has a row per day',
    app LowCardinality(String),
    session_id String,
    user_id SimpleAggregateFunction(max, String) COMMENT 'The session''s user (empty while anonymous)',
    started SimpleAggregateFunction(min, DateTime64(3, 'UTC')) COMMENT 'Event time of its first activity that day',
    ended SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'Event time of its last activity that day',
    events SimpleAggregateFunction(sum, UInt64),
    page_views SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
-- One session is looked up by app and id; its days sit side by side.
ORDER BY (app, session_id, day)
TTL toDateTime(day) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Per session and day, its span and event counts; query sessions_v';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.user_sessions_mv TO {db}.user_sessions AS
SELECT
    toDate(ts) AS day,
    app,
    session_id,
    max(user_id) AS user_id,
    min(ts) AS started,
    max(ts) AS ended,
    count() AS events,
    countIf(activity_type = 'page_view') AS page_views
FROM {db}.user_activity
GROUP BY day, app, session_id;

CREATE VIEW IF NOT EXISTS {db}.active_users_daily_v
(
    day Date COMMENT 'Day (UTC)',
    app LowCardinality(String),
    users UInt64 COMMENT 'Distinct signed-in users active that day (DAU)',
    sessions UInt64 COMMENT 'Distinct sessions active that day'
)
AS SELECT
    day,
    app,
    uniqExactMerge(users) AS users,
    uniqExactMerge(sessions) AS sessions
FROM {db}.active_users_daily
GROUP BY day, app
COMMENT 'Daily active users and sessions per app, over every received activity';

-- The user sets of each day are merged over the 7 and 30 days ending that day (a RANGE window
-- over days, so a day without activity counts as empty, not skipped).
CREATE VIEW IF NOT EXISTS {db}.active_users_v
(
    day Date COMMENT 'Day (UTC) with activity',
    app LowCardinality(String),
    dau UInt64 COMMENT 'Distinct users active that day',
    wau UInt64 COMMENT 'Distinct users active in the 7 days ending that day',
    mau UInt64 COMMENT 'Distinct users active in the 30 days ending that day'
)
AS WITH daily AS
(
    SELECT day, app, uniqExactMergeState(users) AS users
    FROM {db}.active_users_daily
    GROUP BY day, app
)
SELECT
    day,
    app,
    finalizeAggregation(users) AS dau,
    uniqExactMerge(users) OVER (PARTITION BY app ORDER BY day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW) AS wau,
    uniqExactMerge(users) OVER (PARTITION BY app ORDER BY day RANGE BETWEEN 29 PRECEDING AND CURRENT ROW) AS mau
FROM daily
COMMENT 'DAU, WAU and MAU per app and day with activity';

CREATE VIEW IF NOT EXISTS {db}.active_sessions_now_v
(
    app LowCardinality(String),
    sessions UInt64 COMMENT 'Distinct sessions with activity in the last 30 minutes (wall clock)',
    users UInt64 COMMENT 'Distinct signed-in users among them'
)
AS SELECT
    app,
    uniqExact(session_id) AS sessions,
    uniqExactIf(user_id, user_id != '') AS users
FROM {db}.user_activity
WHERE ts >= now64(3) - INTERVAL 30 MINUTE
GROUP BY app
COMMENT 'Sessions and users active in the last 30 minutes of wall clock, per app';

CREATE VIEW IF NOT EXISTS {db}.sessions_v
(
    app LowCardinality(String),
    session_id String,
    user_id String COMMENT 'The session''s user (empty for an anonymous session)',
    started DateTime64(3, 'UTC') COMMENT 'Event time of its first activity',
    ended DateTime64(3, 'UTC') COMMENT 'Event time of its last activity',
    duration_s Float64 COMMENT 'ended - started, seconds',
    events UInt64,
    page_views UInt64
)
AS SELECT
    app,
    session_id,
    user_id,
    started,
    ended,
    (toUnixTimestamp64Milli(ended) - toUnixTimestamp64Milli(started)) / 1000 AS duration_s,
    events,
    page_views
FROM
(
    SELECT
        app,
        session_id,
        max(user_id) AS user_id,
        min(started) AS started,
        max(ended) AS ended,
        sum(events) AS events,
        sum(page_views) AS page_views
    FROM {db}.user_sessions
    GROUP BY app, session_id
)
COMMENT 'One row per session: its user, span and event counts, over every received activity';
