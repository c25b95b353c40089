import { advanceState, decideState, type StateDecideSettings, type StateEvent, type StateStoreReason } from './decide.js';
import { LastStates, type StateEvictionCause } from './last-states.js';

export interface StateFilterSettings extends StateDecideSettings {
  idleMs: number;
  /** Devices this filter may remember: its partition's share of the worker's cap. */
  maxTracked: number;
  onEvict?: (cause: StateEvictionCause, devices: number) => void;
}

/** What the filter says of one event: whether to store it, and the last stored state before it. */
export interface StateVerdict {
  store: StateStoreReason | undefined;
  /** The device's last stored state before this event; undefined on first contact. */
  lastStoredState: string | undefined;
}

/** The state filter for the devices of one partition: decides, then remembers what it stored. */
export class StateFilter {
  readonly states: LastStates;

  constructor(
    private readonly settings: StateFilterSettings,
    private readonly wallClock: () => number = Date.now,
  ) {
    this.states = new LastStates(settings.idleMs, settings.maxTracked, settings.onEvict);
  }

  process(deviceId: string, event: StateEvent): StateVerdict {
    const now = this.wallClock();
    this.states.evictIdle(now);
    const last = this.states.get(deviceId, now);
    const lastStoredState = last?.state;
    const store = decideState(last, event, this.settings);
    this.states.touch(deviceId, advanceState(last, event, store, now));
    return { store, lastStoredState };
  }
}
