import type { DeviceState } from './decide.js';

export type EvictionCause = 'cap' | 'idle';

/**
 * Per-device filter state, bounded two ways: devices silent for idleMs are forgotten, and when the
 * device-metrics held (a device with 1000 metrics counts 1000) pass maxTracked, the least recently
 * seen devices are. The clock is passed in, so tests need no timers.
 *
 * The Map's insertion order is the recency order: `touch` moves a device to the end (delete + set,
 * measured with bench/hot-path.mjs at no visible cost), so the front holds the least recently seen,
 * which makes both the cap and the idle sweep stop at the first device they keep.
 * `get` treats an idle device as gone even before a sweep, so behaviour never depends on sweep timing.
 */
export class DeviceStates {
  private readonly states = new Map<string, DeviceState>();
  private nextSweepAt = 0;
  private metrics = 0;

  constructor(
    private readonly idleMs: number,
    private readonly maxTracked = Number.POSITIVE_INFINITY,
    private readonly onEvict: (cause: EvictionCause, devices: number) => void = () => {},
  ) {}

  /** Devices held. */
  get size(): number {
    return this.states.size;
  }

  /** Device-metrics held: the sum of every device's reference metrics. */
  get trackedMetrics(): number {
    return this.metrics;
  }

  /** The device's state, or undefined when unknown or idle (idle counts as evicted even before a sweep). */
  get(deviceId: string, now: number): DeviceState | undefined {
    const state = this.states.get(deviceId);
    if (state && now - state.lastSeenAt >= this.idleMs) {
      this.remove(deviceId, state);
      this.onEvict('idle', 1);
      return undefined;
    }
    return state;
  }

  /**
   * Stores the device's state as the most recently seen; `metricsBefore` is how many reference
   * metrics it had when read (0 when new), since the filter changes the state in place. Then
   * evicts the least recently seen others while over the cap.
   */
  touch(deviceId: string, state: DeviceState, metricsBefore: number): void {
    this.states.delete(deviceId);
    this.states.set(deviceId, state);
    this.metrics += state.reference.size - metricsBefore;
    if (this.metrics > this.maxTracked) this.evictOverCap(deviceId);
  }

  /** The device just touched stays even when it alone is over the cap: its reading is being judged. */
  private evictOverCap(keep: string): void {
    let evicted = 0;
    for (const [deviceId, state] of this.states) {
      if (this.metrics <= this.maxTracked || deviceId === keep) break;
      this.remove(deviceId, state);
      evicted++;
    }
    if (evicted > 0) this.onEvict('cap', evicted);
  }

  private remove(deviceId: string, state: DeviceState): void {
    this.states.delete(deviceId);
    this.metrics -= state.reference.size;
  }

  /** Drops devices silent for idleMs or longer; returns how many. */
  evictIdle(now: number): number {
    if (now < this.nextSweepAt) return 0;
    this.nextSweepAt = now + Math.max(1, Math.floor(this.idleMs / 4));
    let evicted = 0;
    for (const [deviceId, state] of this.states) {
      // Recency order: the first device seen recently enough is followed only by more recent ones.
      if (now - state.lastSeenAt < this.idleMs) break;
      this.remove(deviceId, state);
      evicted++;
    }
    if (evicted > 0) this.onEvict('idle', evicted);
    return evicted;
  }

  /** Forgets every device, as when a partition moves to another worker. */
  clear(): void {
    this.states.clear();
    this.metrics = 0;
  }
}
