import type { ConfigValues } from '../../util/config-values.js';

export const filterConfig = {
  snapshotIntervalS: {
    doc: 'Store a device message when this much event time has passed since its last stored one.',
    format: 'positive-int',
    default: 300,
    env: 'FILTER_SNAPSHOT_INTERVAL_S',
  },
  changeThreshold: {
    doc: 'Store when any metric changed by at least this fraction of its last stored value.',
    format: 'fraction',
    default: 0.05,
    env: 'FILTER_CHANGE_THRESHOLD',
  },
  zeroFloor: {
    doc: 'When the last stored value is 0, a new value counts as a change if its magnitude exceeds this.',
    format: 'non-negative-number',
    default: 1,
    env: 'FILTER_ZERO_FLOOR',
  },
  store: {
    doc: 'What a stored message writes: "whole" (every metric) or "changed" (only the metrics that triggered).',
    format: ['whole', 'changed'],
    default: 'whole',
    env: 'FILTER_STORE',
  },
  storePrevious: {
    doc: 'On a change, also store the last received but unstored message before it (reason "previous").',
    format: Boolean,
    default: false,
    env: 'FILTER_STORE_PREVIOUS',
  },
  idleEvictS: {
    doc: 'Forget a device silent this long (wall clock); its next message is a first contact.',
    format: 'positive-int',
    default: 3600,
    env: 'FILTER_IDLE_EVICT_S',
  },
  maxTracked: {
    doc: 'Device-metrics (a device with 1000 metrics counts 1000) whose filter state a worker may hold, split evenly over the PARTITIONS partitions; past it the least recently seen device is forgotten and its next message is a first contact. About 95 bytes each (sift bench: filter memory).',
    format: 'positive-int',
    default: 1_000_000,
    env: 'FILTER_MAX_TRACKED',
  },
  restoreState: {
    doc: "On taking a partition (a restart or a takeover), rebuild each device's reference values and snapshot clock from the rows already stored (one query), so the first reading of a known device is judged as a change, not stored as a first contact.",
    format: Boolean,
    default: false,
    env: 'FILTER_RESTORE_STATE',
  },
  overrides: {
    doc: 'Per-metric rules, first match wins: [{"match": "error_rate", "absolute": 0.01}, {"match": "temp_*", "relative": 0.1, "zeroFloor": 0.5}].',
    format: 'metric-overrides',
    default: [] as Array<{ match: string; relative?: number; absolute?: number; zeroFloor?: number }>,
    env: 'FILTER_OVERRIDES',
  },
};

/** The filter's settings as loaded (`filter` in the configuration). */
export type FilterConfig = ConfigValues<typeof filterConfig>;
export type FilterOverride = FilterConfig['overrides'][number];
