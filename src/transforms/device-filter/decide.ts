import type { DeviceReading } from '../../contract/device-reading.js';
import { ReferenceValues } from './reference-values.js';
import { ROUNDING_SLACK, type ChangeRules } from './rules.js';

export type StoreReason = 'first_contact' | 'snapshot' | 'change' | 'previous';

/** What the filter remembers of one device. */
export interface DeviceState {
  /** Last stored value of each metric: the reference every change is measured against. */
  reference: ReferenceValues;
  /** Event time of the newest stored message; an older message is late. */
  lastStoredTs: number;
  /** Event time of the newest whole store (first contact or snapshot, or any store in "whole" mode): the snapshot clock. */
  lastWholeTs: number;
  /** Last received message that was not stored, kept only with storePrevious. */
  previous: DeviceReading | undefined;
  /** Wall-clock time of the last message, for idle eviction. */
  lastSeenAt: number;
}

export interface DecideSettings {
  snapshotIntervalMs: number;
  store: 'whole' | 'changed';
  storePrevious: boolean;
  rules: ChangeRules;
}

/** One write the filter asks for: these metrics of this reading, with this reason. */
export interface StoreRequest {
  reason: StoreReason;
  reading: DeviceReading;
  /** Metric names to write; all of the reading's when undefined. */
  metrics: string[] | undefined;
  /** Metrics whose change caused this store (a `change` store only): in "whole" mode the others ride along. */
  triggers?: readonly string[];
}

export interface Decision {
  stores: StoreRequest[];
  /** Metrics (present in the reading) whose change triggered, for "changed" mode and tests. */
  changed: string[];
  /** Metrics that disappeared from the reading since the last store. */
  disappeared: string[];
  late: boolean;
}

const NONE: readonly string[] = Object.freeze([]);

/** How many of the last judged reading's metrics the reference held (set by changedMetrics for disappearedMetrics). */
let presentInReference = 0;

/**
 * Metrics that changed or appeared; the shared empty list when none. A value never leaves this
 * function as a number returned or passed to a call that may not be inlined, where it would be
 * boxed: the reference is read by slot, and the change rule is applied here.
 */
function changedMetrics(state: DeviceState, reading: DeviceReading, rules: ChangeRules): string[] {
  let changed: string[] | undefined;
  let present = 0;
  const reference = state.reference;
  const metrics = reading.metrics;
  for (const name in metrics) {
    const slot = reference.slotOf(name);
    if (slot < 0) {
      (changed ??= []).push(name);
      continue;
    }
    present++;
    const old = reference.valueAt(slot);
    const now = metrics[name]!;
    // The change rule (see ChangeRule): |new − old| over the absolute bound, or the relative one.
    const rule = rules.ruleFor(name);
    const change =
      rule.absolute !== undefined
        ? Math.abs(now - old) - rule.absolute > ROUNDING_SLACK * Math.max(1, Math.abs(old), Math.abs(now))
        : old === 0
          ? Math.abs(now) > rule.zeroFloor
          : Math.abs(now - old) / Math.abs(old) >= rule.relative - ROUNDING_SLACK;
    if (change) (changed ??= []).push(name);
  }
  presentInReference = present;
  return changed ?? (NONE as string[]);
}

/** Metrics of the reference missing from the reading just judged by changedMetrics; the shared empty list when none. */
function disappearedMetrics(state: DeviceState, reading: DeviceReading): string[] {
  // Every reference metric was present: nothing disappeared, no need to look (the common case).
  if (presentInReference === state.reference.size) return NONE as string[];
  const disappeared: string[] = [];
  // Own keys only: `in` would find "constructor" or "toString" on every object's prototype.
  for (const name of state.reference.keys()) if (!Object.hasOwn(reading.metrics, name)) disappeared.push(name);
  return disappeared;
}

/** The decision for a reading that changes nothing: shared, so the common case allocates nothing. */
const UNCHANGED: Decision = Object.freeze({
  stores: NONE as unknown as StoreRequest[],
  changed: NONE as string[],
  disappeared: NONE as string[],
  late: false,
});
const UNCHANGED_LATE: Decision = Object.freeze({ ...UNCHANGED, late: true });

/**
 * The smart filter's pure decision for one reading of one device.
 *
 * - No state: first contact, store whole.
 * - Event time ≥ snapshot interval after the last whole store: snapshot, store whole.
 * - Any metric changed against its last *stored* value, appeared or disappeared: change.
 * - A late reading (event time before the newest stored one) is judged on change only, never as
 *   a snapshot, and never becomes the reference, so a straggler cannot move the clock backwards.
 */
export function decide(state: DeviceState | undefined, reading: DeviceReading, settings: DecideSettings): Decision {
  if (!state) return { stores: [{ reason: 'first_contact', reading, metrics: undefined }], changed: [], disappeared: [], late: false };

  const late = reading.ts < state.lastStoredTs;
  if (!late && reading.ts - state.lastWholeTs >= settings.snapshotIntervalMs) {
    return { stores: [{ reason: 'snapshot', reading, metrics: undefined }], changed: [], disappeared: [], late };
  }

  const changed = changedMetrics(state, reading, settings.rules);
  const disappeared = disappearedMetrics(state, reading);
  if (changed.length === 0 && disappeared.length === 0) return late ? UNCHANGED_LATE : UNCHANGED;
  const stores: StoreRequest[] = [];
  if (changed.length > 0 || disappeared.length > 0) {
    const metrics = settings.store === 'whole' ? undefined : changed;
    const previous = state.previous;
    if (settings.storePrevious && !late && previous && previous.ts > state.lastStoredTs && previous.ts <= reading.ts) {
      stores.push({ reason: 'previous', reading: previous, metrics: metrics?.filter((m) => Object.hasOwn(previous.metrics, m)) });
    }
    // In "changed" mode a reading whose only change is a disappearance writes no row.
    if (metrics === undefined || metrics.length > 0) stores.push({ reason: 'change', reading, metrics, triggers: changed });
  }
  return { stores, changed, disappeared, late };
}

/** The state after `decision` was carried out; mutates and returns `state` (or a new one). */
export function advance(
  state: DeviceState | undefined,
  reading: DeviceReading,
  decision: Decision,
  wallNow: number,
  keepPrevious: boolean,
): DeviceState {
  if (!state) {
    return {
      reference: ReferenceValues.of(reading.metrics),
      lastStoredTs: reading.ts,
      lastWholeTs: reading.ts,
      previous: undefined,
      lastSeenAt: wallNow,
    };
  }
  state.lastSeenAt = wallNow;
  if (decision.late) return state;
  const main = decision.stores.find((s) => s.reading === reading);
  if (!main) {
    // Disappearances in "changed" mode are forgotten without a row, so they fire only once.
    for (const name of decision.disappeared) state.reference.delete(name);
    state.previous = keepPrevious && decision.disappeared.length === 0 ? reading : undefined;
    return state;
  }
  if (main.metrics === undefined) {
    state.reference.replaceAll(reading.metrics);
    state.lastWholeTs = reading.ts;
  } else {
    for (const name of main.metrics) state.reference.set(name, reading.metrics[name]!);
    for (const name of decision.disappeared) state.reference.delete(name);
  }
  state.lastStoredTs = reading.ts;
  state.previous = undefined;
  return state;
}
