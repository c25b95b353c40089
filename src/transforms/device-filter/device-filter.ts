import type { FilterConfig } from './config.js';
import type { DeviceReading } from '../../contract/device-reading.js';
import { advance, decide, type DecideSettings, type DeviceState, type StoreRequest } from './decide.js';
import { DeviceStates, type EvictionCause } from './device-states.js';
import { ChangeRules } from './rules.js';

export interface FilterSettings extends DecideSettings {
  idleMs: number;
  /** Device-metrics this filter may hold: its partition's share of the worker's cap. */
  maxTracked: number;
  onEvict?: (cause: EvictionCause, devices: number) => void;
}

export interface FilterSharing {
  /** The stream's partition count: each partition's filter holds its share of FILTER_MAX_TRACKED. */
  partitions?: number;
  onEvict?: (cause: EvictionCause, devices: number) => void;
}

/**
 * A per-partition share of the cap keeps a worker within FILTER_MAX_TRACKED however many
 * partitions it owns, with no state shared across partitions (keys hash evenly over them).
 */
export function filterSettings(config: FilterConfig, sharing: FilterSharing = {}): FilterSettings {
  return {
    maxTracked: Math.ceil(config.maxTracked / (sharing.partitions ?? 1)),
    onEvict: sharing.onEvict,
    snapshotIntervalMs: config.snapshotIntervalS * 1000,
    store: config.store as 'whole' | 'changed',
    storePrevious: config.storePrevious,
    rules: new ChangeRules({ relative: config.changeThreshold, absolute: undefined, zeroFloor: config.zeroFloor }, config.overrides),
    idleMs: config.idleEvictS * 1000,
  };
}

/** The smart data filter for the devices of one partition: decides, then remembers what it stored. */
export class DeviceFilter {
  readonly states: DeviceStates;

  constructor(
    private readonly settings: FilterSettings,
    private readonly wallClock: () => number = Date.now,
  ) {
    this.states = new DeviceStates(settings.idleMs, settings.maxTracked, settings.onEvict);
  }

  /** Takes a device's state as it was rebuilt from stored rows (see DeviceMetricsHandler.restore). */
  restore(deviceId: string, state: DeviceState): void {
    this.states.touch(deviceId, state, 0);
  }

  /** What to write for this reading; empty when the filter drops it. */
  process(reading: DeviceReading): StoreRequest[] {
    const now = this.wallClock();
    this.states.evictIdle(now);
    const state = this.states.get(reading.deviceId, now);
    const metricsBefore = state ? state.reference.size : 0;
    const decision = decide(state, reading, this.settings);
    const next = advance(state, reading, decision, now, this.settings.storePrevious);
    this.states.touch(reading.deviceId, next, metricsBefore);
    return decision.stores;
  }
}
