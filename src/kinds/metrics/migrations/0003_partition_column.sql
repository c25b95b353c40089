-- The partition each row's device belongs to, so a worker taking a partition over can rebuild its
-- filter state from the rows already stored (FILTER_RESTORE_STATE) with one query. Rows written
-- before this column existed read 0.

ALTER TABLE {db}.device_metrics ADD COLUMN IF NOT EXISTS partition UInt16 DEFAULT 0 COMMENT 'Stream partition of the device (partition(PARTITIONS, device_id))' AFTER stream_seq;
