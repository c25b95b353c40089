import { kindNamed } from '../../kinds/registry.js';
import { publishKeyProblem } from '../../contract/subject-key.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { deadLetter, decoded, type Decoded } from '../../pipeline/result.js';

/** One event of a request: its kind, its subject key and its JSON text as sent. */
export interface Candidate {
  kind: string;
  key: string;
  text: string;
}

export interface JudgeSettings {
  /** MAX_MESSAGE_BYTES: what the worker would dead-letter as oversize. */
  maxMsgBytes: number;
  window: EventTimeWindow;
}

const encoder = new TextEncoder();

/**
 * An event's bytes, once they pass every check the worker makes (the router's, then the kind's own
 * decode: one implementation), or the dead-letter reason the worker would give.
 */
export function judgeEvent(candidate: Candidate, arrivalMs: number, settings: JudgeSettings): Decoded<Uint8Array> {
  const kind = kindNamed(candidate.kind);
  if (!kind) return deadLetter('unknown_kind', `no kind "${candidate.kind}"`);
  const badKey = publishKeyProblem(candidate.key);
  if (badKey !== undefined) return deadLetter('bad_key', badKey);
  const data = encoder.encode(candidate.text);
  if (data.length > settings.maxMsgBytes)
    return deadLetter('oversize', `event is ${data.length} bytes, the limit is ${settings.maxMsgBytes} (MAX_MESSAGE_BYTES)`);
  const verdict = kind.decode(data, candidate.key, arrivalMs, settings.window);
  return verdict.ok ? decoded(data) : verdict;
}
