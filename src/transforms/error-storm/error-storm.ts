import { advance, decide, type StormDecision } from './decide.js';
import { StormStates, type EvictionCause } from './storm-states.js';

export interface StormSettings {
  windowMs: number;
  idleMs: number;
  /** Fingerprints this partition's suppressor may hold: its share of the worker's cap. */
  maxTracked: number;
  onEvict?: (cause: EvictionCause, fingerprints: number) => void;
}

/** ERROR_* config to one partition's settings (the cap split over the partitions, as the device filter does). */
export function stormSettings(
  config: { suppressWindowS: number; maxTracked: number; idleEvictS: number },
  sharing: { partitions?: number; onEvict?: StormSettings['onEvict'] } = {},
): StormSettings {
  return {
    windowMs: config.suppressWindowS * 1000,
    idleMs: config.idleEvictS * 1000,
    maxTracked: Math.ceil(config.maxTracked / (sharing.partitions ?? 1)),
    onEvict: sharing.onEvict,
  };
}

/** Error storm suppression for the fingerprints of one partition: decides, then remembers. */
export class ErrorStorm {
  readonly states: StormStates;

  constructor(
    private readonly settings: StormSettings,
    private readonly wallClock: () => number = Date.now,
  ) {
    this.states = new StormStates(settings.idleMs, settings.maxTracked, settings.onEvict);
  }

  process(fingerprint: string, ts: number): StormDecision {
    const now = this.wallClock();
    this.states.evictIdle(now);
    const state = this.states.get(fingerprint, now);
    const decision = decide(state, ts, this.settings.windowMs);
    this.states.touch(fingerprint, advance(state, ts, decision, now));
    return decision;
  }
}
