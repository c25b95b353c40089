-- Alert history: one row per transition of an alert (a rule and one set of labels), written by
-- the evaluating worker. Analysts ask "how often did X fire this month" and "how long was it firing".

CREATE TABLE IF NOT EXISTS {db}.alerts
(
    at DateTime64(3, 'UTC') COMMENT 'When the evaluation saw the transition',
    rule LowCardinality(String) COMMENT 'Rule name from the rules file (ALERT_RULES_FILE)',
    severity LowCardinality(String) COMMENT 'Severity the rule declares',
    state LowCardinality(String) COMMENT 'New state: pending, firing, resolved, or inactive (stopped before firing)',
    previous_state LowCardinality(String) COMMENT 'State before: inactive, pending, firing or resolved',
    labels Map(LowCardinality(String), String) COMMENT 'The alerting subject: every column of the rule query but value',
    value Float64 COMMENT 'Value of the rule query for these labels at this evaluation',
    threshold Float64 COMMENT 'The rule threshold (above or below)',
    active_at DateTime64(3, 'UTC') COMMENT 'When the condition started to hold',
    starts_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When it fired',
    ends_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When it resolved (or stopped pending)',
    annotations Map(String, String) COMMENT 'Summary and description, filled in',
    event_id String COMMENT 'Rule + labels + state + start: the Nats-Msg-Id of the event on the ALERTS stream'
)
ENGINE = MergeTree
-- Monthly partitions: questions are per month, and a small table stays a few parts.
PARTITION BY toYYYYMM(at)
-- "How often did rule X fire" reads one rule's range, in time order.
ORDER BY (rule, at)
-- A new leader may record again what the old one recorded before dying: the event id as the
-- insert deduplication token drops the repeat.
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Alert transitions (pending, firing, resolved), one row each';
