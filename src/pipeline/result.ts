/**
 * Why a message went to the dead-letter stream, shared by every kind; kinds add their own codes
 * (declared in their KindModule). A stable code for headers, metrics and queries.
 */
export const COMMON_DEAD_LETTER_REASONS = [
  'not_json',
  'schema',
  'oversize',
  'unknown_kind',
  'bad_subject',
  'bad_key',
  'ts_out_of_range',
  'insert_rejected',
] as const;

export type DeadLetterReason = string;

/** The drop reason of a message redelivered after a takeover whose rows a previous owner had stored (the journal says so). */
export const ALREADY_STORED = 'already_stored';

/** What handling one message came to. Expected outcomes are values: a malformed message is an ordinary result, never a throw. */
export type MessageResult =
  | { readonly type: 'ok'; readonly reason: string }
  | { readonly type: 'drop'; readonly reason: string }
  | { readonly type: 'dead_letter'; readonly reason: DeadLetterReason; readonly detail: string };

const okResults = new Map<string, MessageResult>();
const dropResults = new Map<string, MessageResult>();

/** Stored, for this reason (e.g. `change`, or `stored` for a kind that stores every event). Interned: nothing is allocated per message. */
export function ok(reason = 'stored'): MessageResult {
  let result = okResults.get(reason);
  if (!result) okResults.set(reason, (result = Object.freeze({ type: 'ok', reason })));
  return result;
}

/** Deliberately not stored (e.g. `unchanged`, `suppressed`); still counted in the rollups and metrics. */
export function drop(reason: string): MessageResult {
  let result = dropResults.get(reason);
  if (!result) dropResults.set(reason, (result = Object.freeze({ type: 'drop', reason })));
  return result;
}

export function deadLetterResult(reason: DeadLetterReason, detail: string): MessageResult {
  return { type: 'dead_letter', reason, detail };
}

/** A decoding step's outcome: a value, or the dead-letter reason and detail. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; detail: string };

export const decoded = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const deadLetter = <T = never>(reason: DeadLetterReason, detail: string): Decoded<T> => ({ ok: false, reason, detail });
