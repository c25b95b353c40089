-- Device states: the reports the state filter stored (first contact, a change, a periodic snapshot),
-- the latest state of every device, and a device's history as a parameterized view.
-- {db} and {retention_days} are filled in by `sift migrate`.
CREATE TABLE IF NOT EXISTS {db}.device_states
(
    ts DateTime64(3, 'UTC') COMMENT 'Event time of the report: the message ts, else its JetStream arrival time',
    device_id LowCardinality(String) COMMENT 'Device key: the last token of telemetry.state.<device_id>',
    state LowCardinality(String) COMMENT 'The state the device reported',
    previous_state LowCardinality(String) COMMENT 'The state before: as the device sent it, else the last state Sift stored for the device (empty on first contact)',
    changed_by String COMMENT 'Who or what caused the change, as sent (empty when not sent or dropped by PRIVACY; hex SHA-256 when hashed)',
    reason String COMMENT 'Why the state changed, as the producer tells it (empty when not sent)',
    metadata Map(LowCardinality(String), String) COMMENT 'Free-form context sent with the report; non-string values as their JSON text',
    store_reason LowCardinality(String) COMMENT 'Why the state filter stored it: first_contact, change (differs from the last stored state) or snapshot (FILTER_SNAPSHOT_INTERVAL_S of event time since the last stored report)',
    stream_seq UInt64 COMMENT 'JetStream sequence of the source message, to trace a row to its message',
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When Sift inserted the row'
)
ENGINE = MergeTree
-- Monthly partitions: the TTL drops whole old parts cheaply, and most questions touch recent months.
PARTITION BY toYYYYMM(ts)
-- The questions are per device over time (its history, its latest state): device first makes them range reads.
ORDER BY (device_id, ts)
-- Raw rows age out after RETENTION_DAYS.
TTL toDateTime(ts) + INTERVAL {retention_days} DAY
-- A retried batch carries the same insert_deduplication_token: remember recent tokens to drop the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Device state reports kept by the state filter: first contact, every change against the last stored state, a periodic snapshot';

-- One row per device: its newest state (by event time) and since when it has been in it without
-- interruption (the first stored report of the newest run of that state). The filter stores every
-- change, so the runs of stored rows are the runs of received states.
CREATE VIEW IF NOT EXISTS {db}.device_latest_state_v
(
    device_id LowCardinality(String) COMMENT 'Device key',
    state String COMMENT 'Newest state by event time',
    since DateTime64(3, 'UTC') COMMENT 'Event time the device entered this state (its first report of it since another state)',
    last_report DateTime64(3, 'UTC') COMMENT 'Event time of the newest stored report (a snapshot at least every FILTER_SNAPSHOT_INTERVAL_S while reports come)'
)
AS SELECT
    device_id,
    history[-1].3 AS state,
    history[arrayLastIndex(x -> x.3 != state, history) + 1].1 AS since,
    history[-1].1 AS last_report
FROM
(
    SELECT device_id, arraySort(groupArray((ts, stream_seq, toString(state)))) AS history
    FROM {db}.device_states
    GROUP BY device_id
)
COMMENT 'Latest state of every device and since when it holds';

-- A device's stored reports over the last `hours` (device_id '' means every device), oldest first.
CREATE VIEW IF NOT EXISTS {db}.device_state_history AS
SELECT ts, device_id, state, previous_state, changed_by, reason, metadata, store_reason, stream_seq
FROM {db}.device_states
WHERE ({device_id:String} = '' OR device_id = {device_id:String})
  AND ts >= now64(3) - toIntervalHour({hours:UInt32})
ORDER BY device_id, ts, stream_seq;
