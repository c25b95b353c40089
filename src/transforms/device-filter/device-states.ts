import type { DeviceState } from './decide.js';

/**
 * Per-device filter state with idle eviction. The clock is passed in, so tests need no timers.
 * A sweep walks the map at most once per quarter of the idle time, keeping the hot path O(1);
 * `get` treats an idle device as gone even before a sweep, so behaviour never depends on sweep timing.
 */
export class DeviceStates {
  private readonly states = new Map<string, DeviceState>();
  private nextSweepAt = 0;

  constructor(private readonly idleMs: number) {}

  get size(): number {
    return this.states.size;
  }

  /** The device's state, or undefined when unknown or idle (idle counts as evicted even before a sweep). */
  get(deviceId: string, now: number): DeviceState | undefined {
    const state = this.states.get(deviceId);
    if (state && now - state.lastSeenAt >= this.idleMs) {
      this.states.delete(deviceId);
      return undefined;
    }
    return state;
  }

  set(deviceId: string, state: DeviceState): void {
    this.states.set(deviceId, state);
  }

  /** Drops devices silent for idleMs or longer; returns how many. */
  evictIdle(now: number): number {
    if (now < this.nextSweepAt) return 0;
    this.nextSweepAt = now + Math.max(1, Math.floor(this.idleMs / 4));
    let evicted = 0;
    for (const [deviceId, state] of this.states) {
      if (now - state.lastSeenAt >= this.idleMs) {
        this.states.delete(deviceId);
        evicted++;
      }
    }
    return evicted;
  }

  /** Forgets every device, as when a partition moves to another worker. */
  clear(): void {
    this.states.clear();
  }
}
