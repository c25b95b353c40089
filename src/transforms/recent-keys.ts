/** Why a key's state was forgotten: the cap on tracked keys, or silence for the idle time. */
export type EvictionCause = 'cap' | 'idle';

/**
 * Per-key state bounded two ways: keys unseen for idleMs (wall clock) are forgotten, and past
 * maxTracked the least recently seen are. The clock is passed in.
 *
 * The Map's insertion order is the recency order (`touch` re-inserts), so both the cap and the
 * idle sweep stop at the first key they keep. `get` treats an idle key as gone even before a
 * sweep, so behaviour never depends on sweep timing.
 */
export class RecentKeys<V extends { lastSeenAt: number }> {
  private readonly states = new Map<string, V>();
  private nextSweepAt = 0;

  constructor(
    private readonly idleMs: number,
    private readonly maxTracked = Number.POSITIVE_INFINITY,
    private readonly onEvict: (cause: EvictionCause, keys: number) => void = () => {},
  ) {}

  get size(): number {
    return this.states.size;
  }

  /** The key's state, or undefined when unknown or idle. */
  get(key: string, now: number): V | undefined {
    const state = this.states.get(key);
    if (state && now - state.lastSeenAt >= this.idleMs) {
      this.states.delete(key);
      this.onEvict('idle', 1);
      return undefined;
    }
    return state;
  }

  /** Keeps the key as the most recently seen, then forgets the least recently seen others while over the cap. */
  touch(key: string, state: V): void {
    this.states.delete(key);
    this.states.set(key, state);
    if (this.states.size <= this.maxTracked) return;
    let evicted = 0;
    for (const id of this.states.keys()) {
      if (this.states.size <= this.maxTracked || id === key) break;
      this.states.delete(id);
      evicted++;
    }
    if (evicted > 0) this.onEvict('cap', evicted);
  }

  /** Drops keys silent for idleMs or longer (at most every idleMs / 4); returns how many. */
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

  /** Forgets every key, as when a partition moves to another worker. */
  clear(): void {
    this.states.clear();
  }
}
