/** What storm suppression remembers of one fingerprint. */
export interface StormState {
  /** Event time of the last stored occurrence. */
  lastStoredTs: number;
  /** Occurrences not stored since then. */
  suppressed: number;
  /** Wall-clock time of the last occurrence, for idle eviction. */
  lastSeenAt: number;
}

export type StormDecision = { store: true; repeats: number } | { store: false };

const SUPPRESS: StormDecision = Object.freeze({ store: false });

/**
 * The pure decision for one occurrence at event time `ts`: store the first of a fingerprint, and
 * then the first at least `windowMs` of event time after the last stored one, carrying how many
 * were suppressed in between. A late occurrence (before the last stored) is inside the window.
 */
export function decide(state: StormState | undefined, ts: number, windowMs: number): StormDecision {
  if (!state) return { store: true, repeats: 0 };
  if (ts - state.lastStoredTs >= windowMs) return { store: true, repeats: state.suppressed };
  return SUPPRESS;
}

/** The state after the decision, updated in place when there is one. */
export function advance(state: StormState | undefined, ts: number, decision: StormDecision, now: number): StormState {
  if (!state) return { lastStoredTs: ts, suppressed: 0, lastSeenAt: now };
  if (decision.store) {
    state.lastStoredTs = ts;
    state.suppressed = 0;
  } else state.suppressed++;
  state.lastSeenAt = now;
  return state;
}
