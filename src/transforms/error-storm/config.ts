/** Config keys of error storm suppression (`errorStorm`, ERROR_* variables). */
export const errorStormConfig = {
  suppressWindowS: {
    doc: 'Store an error fingerprint (source, category, code, message with numbers and ids normalized) at most once per this many seconds of event time; the next stored one carries repeats = how many were not stored since.',
    format: 'positive-int',
    default: 300,
    env: 'ERROR_SUPPRESS_WINDOW_S',
  },
  maxTracked: {
    doc: 'Error fingerprints whose suppression state a worker may hold, split evenly over the PARTITIONS partitions; past it the least recently seen is forgotten and its next error is stored with the repeats it had pending lost (errors_hourly_v still counts them). About 200 bytes each.',
    format: 'positive-int',
    default: 100_000,
    env: 'ERROR_MAX_TRACKED',
  },
  idleEvictS: {
    doc: 'Forget a fingerprint not seen for this long (wall clock); its next error is stored. At least ERROR_SUPPRESS_WINDOW_S is sensible.',
    format: 'positive-int',
    default: 3600,
    env: 'ERROR_IDLE_EVICT_S',
  },
};
