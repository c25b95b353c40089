/** Why a message went to the dead-letter stream; a stable code for headers, metrics and queries. */
export type DeadLetterReason =
  | 'not_json'
  | 'schema'
  | 'non_finite'
  | 'device_mismatch'
  | 'oversize'
  | 'unknown_kind'
  | 'bad_subject'
  | 'insert_rejected'
  | 'ts_out_of_range'
  | 'bad_key'
  | 'value_out_of_range';

/** Expected outcomes are values: a malformed message is an ordinary result, never a throw. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; detail: string };

export const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const deadLetter = <T = never>(reason: DeadLetterReason, detail: string): Decoded<T> => ({ ok: false, reason, detail });
