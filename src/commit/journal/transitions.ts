import { emptyEntry, type JournalCommit, type JournalEntry } from './entry.js';

/**
 * The journal's state transitions: each takes a partition's entry as read and returns the next
 * one, or why the write is refused (the caller fences on it), or undefined when nothing is to be
 * written. No I/O: CommitJournal applies them over its store.
 */
export type Refused = { readonly refused: string };

export const isRefused = (next: JournalEntry | Refused | undefined): next is Refused => next !== undefined && 'refused' in next;

/** The same owner in the same hold: a write by it keeps the partition this worker's. */
export const sameHold = (a: JournalEntry, b: JournalEntry): boolean => a.owner === b.owner && a.epoch === b.epoch;

/**
 * A worker takes the partition: it writes itself as owner under the next epoch. `previous` is the
 * entry as it speaks of this consumer's messages: one written for another consumer (deleted and
 * made again) comes back empty but for its epoch, which still only grows.
 */
export function take(found: JournalEntry, owner: string, consumerCreated: string): { previous: JournalEntry; mine: JournalEntry } {
  const previous =
    found.consumerCreated === undefined || found.consumerCreated === consumerCreated ? found : { ...emptyEntry(), epoch: found.epoch };
  return { previous, mine: { ...previous, owner, epoch: previous.epoch + 1, consumerCreated } };
}

/** A commit is journaled before its insert; refused when a recovering worker aborted it (it named this partition its leader). */
export function begin(entry: JournalEntry, partition: number, inflight: JournalCommit): JournalEntry | Refused {
  if (entry.aborted === inflight.token)
    return { refused: `partition ${partition}: the commit ${inflight.token} was aborted by a recovering worker` };
  return { ...entry, inflight };
}

/** The group's leader records it decided; refused when it is no longer the commit in flight (aborted by a recovering worker). */
export function decide(entry: JournalEntry, token: string): JournalEntry | Refused {
  if (entry.inflight?.token !== token) return { refused: `the commit ${token} was aborted by a recovering worker` };
  return { ...entry, inflight: { ...entry.inflight, decided: true } };
}

/** The commit's rows are stored: `committed` moves to the member's last sequence, and the commit leaves the entry. */
export function finish(entry: JournalEntry, token: string, last: number): JournalEntry {
  const next: JournalEntry = { ...entry, committed: Math.max(entry.committed, last) };
  if (entry.inflight?.token === token) delete next.inflight;
  return next;
}

/** A commit begun but not inserted (rejected, abandoned): it leaves the entry, nothing else moves. */
export function abandon(entry: JournalEntry, token: string): JournalEntry {
  if (entry.inflight?.token !== token) return entry;
  const next: JournalEntry = { ...entry };
  delete next.inflight;
  return next;
}

/**
 * A recovering worker resolves a group in its leader's entry: one decided is to be finished
 * (undefined: nothing to write); any other is aborted, so the worker that began it can decide it no more.
 */
export function abortUndecided(entry: JournalEntry, token: string): JournalEntry | undefined {
  if (entry.inflight?.token === token && entry.inflight.decided) return undefined;
  const next: JournalEntry = { ...entry, aborted: token };
  if (next.inflight?.token === token) delete next.inflight;
  return next;
}

/**
 * A recovered commit is finished in a member's entry, whoever owns it now: only where the entry
 * still names it (undefined otherwise). `stored`: its committed sequence moves to the member's last.
 */
export function finishRecovered(entry: JournalEntry, token: string, last: number, stored: boolean): JournalEntry | undefined {
  if (entry.inflight?.token !== token) return undefined;
  const next: JournalEntry = { ...entry, committed: stored ? Math.max(entry.committed, last) : entry.committed };
  delete next.inflight;
  return next;
}
