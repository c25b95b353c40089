import type { DeviceState } from './decide.js';

export type EvictionCause = 'cap' | 'idle';

/** A device's place in the recency order: a list through the entries, oldest first. */
interface Entry {
  readonly deviceId: string;
  state: DeviceState;
  older: Entry | undefined;
  newer: Entry | undefined;
}

/**
 * Per-device filter state, bounded two ways: devices silent for idleMs are forgotten, and when the
 * device-metrics held (a device with 1000 metrics counts 1000) pass maxTracked, the least recently
 * seen devices are. The clock is passed in, so tests need no timers.
 *
 * The recency order is a list through the entries: `touch` moves a device to the newest end, so
 * the oldest end holds the least recently seen, which makes both the cap and the idle sweep stop
 * at the first device they keep. (A Map's insertion order, kept by a delete and a set per message,
 * allocated a new table every few hundred messages and a new key each time, all of it promoted.)
 * `get` treats an idle device as gone even before a sweep, so behaviour never depends on sweep timing.
 */
export class DeviceStates {
  private readonly entries = new Map<string, Entry>();
  private oldest: Entry | undefined;
  private newest: Entry | undefined;
  private nextSweepAt = 0;
  private metrics = 0;

  constructor(
    private readonly idleMs: number,
    private readonly maxTracked = Number.POSITIVE_INFINITY,
    private readonly onEvict: (cause: EvictionCause, devices: number) => void = () => {},
  ) {}

  /** Devices held. */
  get size(): number {
    return this.entries.size;
  }

  /** Device-metrics held: the sum of every device's reference metrics. */
  get trackedMetrics(): number {
    return this.metrics;
  }

  /** The device's state, or undefined when unknown or idle (idle counts as evicted even before a sweep). */
  get(deviceId: string, now: number): DeviceState | undefined {
    const entry = this.entries.get(deviceId);
    if (entry && now - entry.state.lastSeenAt >= this.idleMs) {
      this.remove(entry);
      this.onEvict('idle', 1);
      return undefined;
    }
    return entry?.state;
  }

  /**
   * Stores the device's state as the most recently seen; `metricsBefore` is how many reference
   * metrics it had when read (0 when new), since the filter changes the state in place. Then
   * evicts the least recently seen others while over the cap.
   */
  touch(deviceId: string, state: DeviceState, metricsBefore: number): void {
    let entry = this.entries.get(deviceId);
    if (entry === undefined) {
      entry = { deviceId, state, older: undefined, newer: undefined };
      this.entries.set(deviceId, entry);
      this.append(entry);
    } else {
      entry.state = state;
      if (entry !== this.newest) {
        this.unlink(entry);
        this.append(entry);
      }
    }
    this.metrics += state.reference.size - metricsBefore;
    if (this.metrics > this.maxTracked) this.evictOverCap(entry);
  }

  /** The device just touched stays even when it alone is over the cap: its reading is being judged. */
  private evictOverCap(keep: Entry): void {
    let evicted = 0;
    while (this.metrics > this.maxTracked && this.oldest !== undefined && this.oldest !== keep) {
      this.remove(this.oldest);
      evicted++;
    }
    if (evicted > 0) this.onEvict('cap', evicted);
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.deviceId);
    this.unlink(entry);
    this.metrics -= entry.state.reference.size;
  }

  private append(entry: Entry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = undefined;
  }

  /** Drops devices silent for idleMs or longer; returns how many. */
  evictIdle(now: number): number {
    if (now < this.nextSweepAt) return 0;
    this.nextSweepAt = now + Math.max(1, Math.floor(this.idleMs / 4));
    let evicted = 0;
    // Recency order: the first device seen recently enough is followed only by more recent ones.
    while (this.oldest !== undefined && now - this.oldest.state.lastSeenAt >= this.idleMs) {
      this.remove(this.oldest);
      evicted++;
    }
    if (evicted > 0) this.onEvict('idle', evicted);
    return evicted;
  }

  /** Forgets every device, as when a partition moves to another worker. */
  clear(): void {
    this.entries.clear();
    this.oldest = this.newest = undefined;
    this.metrics = 0;
  }
}
