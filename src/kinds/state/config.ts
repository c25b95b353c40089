/** Config keys of the state kind; its snapshot interval and idle eviction are the smart filter's (FILTER_SNAPSHOT_INTERVAL_S, FILTER_IDLE_EVICT_S). */
export const stateConfig = {
  stateFilter: {
    maxTracked: {
      doc: 'Devices whose last stored state a worker may remember (state kind), split evenly over the PARTITIONS partitions; past it the least recently seen device is forgotten and its next state is a first contact. About 120 bytes each plus the device id (measured with 200,000 devices).',
      format: 'positive-int',
      default: 1_000_000,
      env: 'STATE_FILTER_MAX_TRACKED',
    },
  },
};
