-- Which metrics caused a store: in "whole" mode a change of one metric stores every metric of the
-- message with reason 'change', and only the ones marked here changed beyond their threshold.
-- Always false for first_contact, snapshot and previous rows; rows written before this column
-- existed read false.

ALTER TABLE {db}.device_metrics ADD COLUMN IF NOT EXISTS trigger Bool DEFAULT false COMMENT 'This metric''s change triggered the store (reason change); false for metrics stored alongside it' AFTER partition;
