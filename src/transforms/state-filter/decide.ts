/** Why the state filter stores an event. */
export type StateStoreReason = 'first_contact' | 'change' | 'snapshot';

/** What the filter remembers of one device: its last *stored* state. */
export interface LastStored {
  state: string;
  /** Event time of the newest stored event; an older event is late. */
  ts: number;
  /** Wall-clock time of the device's last event, for idle eviction. */
  lastSeenAt: number;
}

/** One device state event as the filter sees it. */
export interface StateEvent {
  ts: number;
  state: string;
}

export interface StateDecideSettings {
  snapshotIntervalMs: number;
}

/**
 * The state filter's pure decision for one event of one device: a reason to store it, or
 * undefined to drop it as unchanged.
 *
 * - No state: first contact.
 * - A state that differs from the last stored one: change (also when the snapshot is due, since
 *   a transition says more than a snapshot; and also when late, judged against the last stored state).
 * - The same state, snapshot interval or more of event time after the last stored event: snapshot.
 *   A late event is never a snapshot, so a straggler cannot move the clock backwards.
 */
export function decideState(last: LastStored | undefined, event: StateEvent, settings: StateDecideSettings): StateStoreReason | undefined {
  if (!last) return 'first_contact';
  if (event.state !== last.state) return 'change';
  if (event.ts - last.ts >= settings.snapshotIntervalMs) return 'snapshot';
  return undefined;
}

/**
 * The memory after the decision was carried out; mutates and returns `last` (or a new one). A
 * stored late event does not become the reference: the newest stored event by event time stays it.
 */
export function advanceState(
  last: LastStored | undefined,
  event: StateEvent,
  stored: StateStoreReason | undefined,
  wallNow: number,
): LastStored {
  if (!last) return { state: event.state, ts: event.ts, lastSeenAt: wallNow };
  last.lastSeenAt = wallNow;
  if (stored !== undefined && event.ts >= last.ts) {
    last.state = event.state;
    last.ts = event.ts;
  }
  return last;
}
