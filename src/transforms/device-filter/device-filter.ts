import type { SiftConfig } from '../../config/load.js';
import type { DeviceReading } from '../../kinds/metrics/decode.js';
import { advance, decide, type DecideSettings, type StoreRequest } from './decide.js';
import { DeviceStates } from './device-states.js';
import { ChangeRules } from './rules.js';

export function filterSettings(config: SiftConfig['filter']): DecideSettings & { idleMs: number } {
  return {
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
    private readonly settings: DecideSettings & { idleMs: number },
    private readonly wallClock: () => number = Date.now,
  ) {
    this.states = new DeviceStates(settings.idleMs);
  }

  /** What to write for this reading; empty when the filter drops it. */
  process(reading: DeviceReading): StoreRequest[] {
    const now = this.wallClock();
    this.states.evictIdle(now);
    const state = this.states.get(reading.deviceId, now);
    const decision = decide(state, reading, this.settings);
    const next = advance(state, reading, decision, now, this.settings.storePrevious);
    if (next !== state) this.states.set(reading.deviceId, next);
    return decision.stores;
  }
}
