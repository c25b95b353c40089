import type { StormState } from './decide.js';

export type EvictionCause = 'cap' | 'idle';

/**
 * Per-fingerprint suppression state, bounded two ways: fingerprints unseen for idleMs (wall clock)
 * are forgotten, and past maxTracked the least recently seen are. Map insertion order is recency
 * order (touch re-inserts), so both sweeps stop at the first fingerprint they keep.
 */
export class StormStates {
  private readonly states = new Map<string, StormState>();
  private nextSweepAt = 0;

  constructor(
    private readonly idleMs: number,
    private readonly maxTracked = Number.POSITIVE_INFINITY,
    private readonly onEvict: (cause: EvictionCause, fingerprints: number) => void = () => {},
  ) {}

  get size(): number {
    return this.states.size;
  }

  /** The fingerprint's state, or undefined when unknown or idle (idle counts as evicted even before a sweep). */
  get(fingerprint: string, now: number): StormState | undefined {
    const state = this.states.get(fingerprint);
    if (state && now - state.lastSeenAt >= this.idleMs) {
      this.states.delete(fingerprint);
      this.onEvict('idle', 1);
      return undefined;
    }
    return state;
  }

  /** Records the state as the most recently seen, then evicts the least recently seen others over the cap. */
  touch(fingerprint: string, state: StormState): void {
    this.states.delete(fingerprint);
    this.states.set(fingerprint, state);
    if (this.states.size <= this.maxTracked) return;
    let evicted = 0;
    for (const key of this.states.keys()) {
      if (this.states.size <= this.maxTracked || key === fingerprint) break;
      this.states.delete(key);
      evicted++;
    }
    if (evicted > 0) this.onEvict('cap', evicted);
  }

  /** Drops fingerprints unseen for idleMs or longer, at most every idleMs / 4; returns how many. */
  evictIdle(now: number): number {
    if (now < this.nextSweepAt) return 0;
    this.nextSweepAt = now + Math.max(1, Math.floor(this.idleMs / 4));
    let evicted = 0;
    for (const [key, state] of this.states) {
      if (now - state.lastSeenAt < this.idleMs) break;
      this.states.delete(key);
      evicted++;
    }
    if (evicted > 0) this.onEvict('idle', evicted);
    return evicted;
  }

  clear(): void {
    this.states.clear();
  }
}
