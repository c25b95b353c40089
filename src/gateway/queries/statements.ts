/**
 * The fixed statements behind the metrics service and real-time tracking routes. Each reads the
 * kinds' views or rollups by their bare names (the runner's database is Sift's); none takes text
 * from a request: values the HOMEPOT routes take are bound as `{name:Type}` parameters there.
 */

/** Distinct signed-in users over every app: today, the 7 days and the 30 days ending today (UTC). */
export const ACTIVE_USERS = `
SELECT
    uniqExactMergeIf(users, day = today()) AS daily,
    uniqExactMergeIf(users, day >= today() - 6) AS weekly,
    uniqExactMerge(users) AS monthly
FROM active_users_daily
WHERE day >= today() - 29`;

/** Sessions and signed-in users active in the last 30 minutes (as active_sessions_now_v, distinct over every app). */
export const ACTIVE_SESSIONS = `
SELECT uniqExact(app, session_id) AS sessions, uniqExactIf(user_id, user_id != '') AS users
FROM user_activity
WHERE ts >= now64(3) - INTERVAL 30 MINUTE`;

/** Every app's DAU, WAU and MAU today (active_users_v). */
export const APPS_TODAY = `
SELECT app, dau, wau, mau
FROM active_users_v
WHERE day = today()
ORDER BY app`;

/** Distinct users and sessions per day over every app, the last 30 days. */
export const ACTIVE_USERS_BY_DAY = `
SELECT day, uniqExactMerge(users) AS users, uniqExactMerge(sessions) AS sessions
FROM active_users_daily
WHERE day >= today() - 29
GROUP BY day
ORDER BY day`;

/** API requests of the last hour (exact, from the raw table): count, 5xx, rate, mean answer time. */
export const REQUESTS_LAST_HOUR = `
SELECT
    count() AS requests,
    countIf(status >= 500) AS errors_5xx,
    countIf(status >= 500) / nullIf(count(), 0) AS error_rate,
    if(count() = 0, NULL, avg(duration_ms)) AS avg_response_time_ms
FROM api_requests
WHERE ts >= now64(3) - INTERVAL 1 HOUR`;

/** Per service, the last hour (exact): requests, 5xx rate, mean and p95 answer time, newest request. */
export const SERVICES_LAST_HOUR = `
SELECT
    service,
    count() AS requests,
    countIf(status >= 500) AS errors_5xx,
    countIf(status >= 500) / count() AS error_rate,
    avg(duration_ms) AS avg_response_time_ms,
    quantileTDigest(0.95)(duration_ms) AS p95_response_time_ms,
    max(ts) AS last_request
FROM api_requests
WHERE ts >= now64(3) - INTERVAL 1 HOUR
GROUP BY service
ORDER BY service`;

/** Per service and hour, the hour buckets of the last 24 hours: the trend lines. */
export const SERVICES_HOURLY = `
SELECT
    bucket,
    service,
    sum(requests_total) AS requests,
    sum(errors_5xx_total) AS errors_5xx,
    sum(errors_5xx_total) / sum(requests_total) AS error_rate,
    sum(duration_sum_ms) / sum(requests_total) AS duration_avg_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[2]) AS duration_p95_ms
FROM api_requests_hourly
WHERE bucket >= toStartOfHour(now() - INTERVAL 24 HOUR)
GROUP BY bucket, service
ORDER BY service, bucket`;

/** Per service over the hour buckets of the last 24 hours: the real-time tracker's agents. */
export const AGENTS_24H = `
SELECT
    service AS name,
    sum(requests_total) AS requests,
    sum(errors_4xx_total) AS errors_4xx,
    sum(errors_5xx_total) AS errors_5xx,
    1 - sum(errors_5xx_total) / sum(requests_total) AS success_rate,
    sum(duration_sum_ms) / sum(requests_total) AS avg_response_time_ms,
    toFloat64(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)[2]) AS p95_response_time_ms
FROM api_requests_hourly
WHERE bucket >= toStartOfHour(now() - INTERVAL 24 HOUR)
GROUP BY service
ORDER BY requests DESC, name`;

/** Services with requests in the hour buckets of the last 24 hours. */
export const TRACKED_AGENTS = `
SELECT uniqExact(service) AS agents
FROM api_requests_hourly
WHERE bucket >= toStartOfHour(now() - INTERVAL 24 HOUR)`;

/** Requests per hour over every service, the last 24 hour buckets. */
export const REQUESTS_HOURLY = `
SELECT
    bucket,
    sum(requests_total) AS requests,
    sum(errors_5xx_total) AS errors_5xx,
    sum(duration_sum_ms) / sum(requests_total) AS avg_response_time_ms
FROM api_requests_hourly
WHERE bucket >= toStartOfHour(now() - INTERVAL 24 HOUR)
GROUP BY bucket
ORDER BY bucket`;

/** The busiest endpoints of the last 24 hours (api_performance). */
export const TOP_ENDPOINTS = `
SELECT service, endpoint, method, requests, errors_5xx, error_rate, duration_avg_ms, duration_p95_ms
FROM api_performance(hours = 24, endpoint = '')
ORDER BY requests DESC, service, endpoint, method
LIMIT 10`;

/** Every endpoint over the hour buckets of the last hour (api_performance). */
export const ENDPOINTS_LAST_HOUR = `
SELECT service, endpoint, method, requests, errors_4xx, errors_5xx, error_rate, duration_avg_ms, duration_p95_ms
FROM api_performance(hours = 1, endpoint = '')
ORDER BY service, endpoint, method`;

/** Every error received in the hour buckets of the last 24 hours, and the critical ones (errors_hourly_v). */
export const ERRORS_24H = `
SELECT sum(n) AS errors, sumIf(n, severity = 'critical') AS critical
FROM (SELECT errors AS n, severity FROM errors_hourly_v WHERE bucket >= toStartOfHour(now() - INTERVAL 24 HOUR))`;

/** Errors per category over the last 24 hours (error_trends summed over its hours). */
export const ERRORS_BY_CATEGORY = `
SELECT category, sum(errors) AS errors, sum(critical) AS critical
FROM error_trends(hours = 24, category = '')
GROUP BY category
ORDER BY errors DESC, category`;

/** Job outcomes per type over the last 24 hours (job_outcome_stats). */
export const JOBS_24H = `
SELECT job_type, jobs, succeeded, failed, timed_out, cancelled, success_rate, duration_avg_ms
FROM job_outcome_stats(hours = 24, job_type = '')
ORDER BY job_type`;

/** Registrations: instances whose first heartbeat falls in the last day, week, month; and all known. */
export const REGISTRATIONS = `
SELECT
    countIf(first_seen >= now64(3) - INTERVAL 1 DAY) AS last_24h,
    countIf(first_seen >= now64(3) - INTERVAL 7 DAY) AS last_7d,
    countIf(first_seen >= now64(3) - INTERVAL 30 DAY) AS last_30d,
    count() AS instances
FROM instances_v`;

/** The most used features of the last 24 hour buckets (usage_hourly_v). */
export const FEATURES_24H = `
SELECT app, feature, sum(events) AS events
FROM usage_hourly_v
WHERE bucket >= toStartOfHour(now() - INTERVAL 24 HOUR)
GROUP BY app, feature
ORDER BY events DESC, app, feature
LIMIT 10`;

/** Instances silent for more than twice their promised beat, longest silent first (stale_instances_v). */
export const SILENT_INSTANCES = `
SELECT instance_id, app, last_seen, interval_s, silent_s
FROM stale_instances_v
ORDER BY last_seen, instance_id
LIMIT 100`;

/** How many devices are in each state now (device_latest_state_v). */
export const DEVICE_STATES = `
SELECT state, count() AS devices
FROM device_latest_state_v
GROUP BY state
ORDER BY devices DESC, state`;

/** The newest hour (or day) each kind's rollup holds data for: a kind that went quiet shows here. */
export const FRESHNESS = `
SELECT 'api' AS kind, maxOrNull(bucket) AS latest FROM api_requests_hourly
UNION ALL SELECT 'job', maxOrNull(bucket) FROM job_outcomes_hourly
UNION ALL SELECT 'error', maxOrNull(bucket) FROM errors_hourly
UNION ALL SELECT 'usage', maxOrNull(bucket) FROM usage_hourly
UNION ALL SELECT 'metrics', maxOrNull(bucket) FROM device_metrics_hourly
UNION ALL SELECT 'activity', maxOrNull(toDateTime(day)) FROM active_users_daily
UNION ALL SELECT 'heartbeat', maxOrNull(toDateTime(bucket)) FROM instances_daily`;
