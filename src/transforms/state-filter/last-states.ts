import type { LastStored } from './decide.js';

export type StateEvictionCause = 'cap' | 'idle';

/**
 * The last stored state per device, bounded two ways: devices silent for idleMs (wall clock) are
 * forgotten, and past maxTracked devices the least recently seen are. The clock is passed in.
 *
 * The Map's insertion order is the recency order (`touch` re-inserts), so both the cap and the
 * idle sweep stop at the first device they keep. `get` treats an idle device as gone even before
 * a sweep, so behaviour never depends on sweep timing.
 */
export class LastStates {
  private readonly states = new Map<string, LastStored>();
  private nextSweepAt = 0;

  constructor(
    private readonly idleMs: number,
    private readonly maxTracked = Number.POSITIVE_INFINITY,
    private readonly onEvict: (cause: StateEvictionCause, devices: number) => void = () => {},
  ) {}

  get size(): number {
    return this.states.size;
  }

  /** The device's last stored state, or undefined when unknown or idle. */
  get(deviceId: string, now: number): LastStored | undefined {
    const last = this.states.get(deviceId);
    if (last && now - last.lastSeenAt >= this.idleMs) {
      this.states.delete(deviceId);
      this.onEvict('idle', 1);
      return undefined;
    }
    return last;
  }

  /** Keeps the device as the most recently seen, then forgets the least recently seen others while over the cap. */
  touch(deviceId: string, last: LastStored): void {
    this.states.delete(deviceId);
    this.states.set(deviceId, last);
    if (this.states.size <= this.maxTracked) return;
    let evicted = 0;
    for (const id of this.states.keys()) {
      if (this.states.size <= this.maxTracked || id === deviceId) break;
      this.states.delete(id);
      evicted++;
    }
    if (evicted > 0) this.onEvict('cap', evicted);
  }

  /** Drops devices silent for idleMs or longer (at most every idleMs / 4); returns how many. */
  evictIdle(now: number): number {
    if (now < this.nextSweepAt) return 0;
    this.nextSweepAt = now + Math.max(1, Math.floor(this.idleMs / 4));
    let evicted = 0;
    for (const [id, last] of this.states) {
      if (now - last.lastSeenAt < this.idleMs) break;
      this.states.delete(id);
      evicted++;
    }
    if (evicted > 0) this.onEvict('idle', evicted);
    return evicted;
  }

  /** Forgets every device, as when a partition moves to another worker. */
  clear(): void {
    this.states.clear();
  }
}
