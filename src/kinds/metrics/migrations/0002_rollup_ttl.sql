-- Rollups age out after ROLLUP_RETENTION_DAYS (default two years): long enough for year-over-year
-- questions, while raw rows go after RETENTION_DAYS. {rollup_retention_days} is filled in by `sift migrate`.

ALTER TABLE {db}.device_metrics_hourly MODIFY TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY;

ALTER TABLE {db}.device_metrics_daily MODIFY TTL toDateTime(bucket) + INTERVAL {rollup_retention_days} DAY;
