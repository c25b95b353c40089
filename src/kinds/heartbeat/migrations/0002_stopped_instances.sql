-- An instance whose newest beat says `stopping` (what @sift/client's close() sends) or `stopped`
-- stopped on purpose, in a deploy or a scale-in: it is not silent, so instance_silent must not page.
-- A restarted instance (same instance_id) reappears with its next beat: that beat becomes its
-- newest, with the status it reports, and silence counts again from it.
-- 0001 is applied and checksummed, so the view is replaced here rather than edited there.
CREATE OR REPLACE VIEW {db}.stale_instances_v
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
    AND lower(status) NOT IN ('stopping', 'stopped')
COMMENT 'Instances not seen for more than twice the beat interval they promised (wall clock), except those whose newest beat said stopping or stopped';
