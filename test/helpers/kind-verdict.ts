import { checkKey } from '../../src/contract/subject-key.js';
import type { EventTimeWindow } from '../../src/contract/event-time.js';
import { decodeActivity } from '../../src/kinds/activity/decode.js';
import { decodeApiRequest } from '../../src/kinds/api/decode.js';
import { decodeError } from '../../src/kinds/error/decode.js';
import { decodeHeartbeat } from '../../src/kinds/heartbeat/decode.js';
import { decodeJobOutcome } from '../../src/kinds/job/decode.js';
import { decodeStateReport } from '../../src/kinds/state/decode.js';
import { decodeUsageEvent } from '../../src/kinds/usage/decode.js';

type Decode = (
  data: Uint8Array,
  key: string,
  arrivalMs: number,
  window: EventTimeWindow,
) => { ok: true; value: unknown } | { ok: false; reason: string; detail: string };

/** Each kind's own decode, the one its handler runs in the worker. */
const DECODERS: Record<string, Decode> = {
  activity: decodeActivity,
  api: decodeApiRequest,
  error: decodeError,
  heartbeat: decodeHeartbeat,
  job: decodeJobOutcome,
  state: decodeStateReport,
  usage: decodeUsageEvent,
};

const WINDOW: EventTimeWindow = { maxPastMs: 90 * 86_400_000, maxFutureMs: 86_400_000 };

/** A key that is one subject token: no dots, wildcards or whitespace (the stream refuses other subjects). */
const NOT_A_TOKEN = /[.*>\s]/;

/**
 * What the worker would make of one event published as telemetry.<kind>.<key>: the decoded
 * value, or the dead-letter reason and detail. The event goes through JSON bytes, as on the wire.
 */
export function workerVerdict(
  kind: string,
  key: string,
  event: unknown,
  arrivalMs = Date.now(),
): { ok: true; value: unknown } | { ok: false; reason: string; detail: string } {
  const decode = DECODERS[kind];
  if (!decode) return { ok: false, reason: 'unknown_kind', detail: `no kind ${JSON.stringify(kind)}` };
  if (key.length === 0 || NOT_A_TOKEN.test(key))
    return { ok: false, reason: 'bad_key', detail: `key ${JSON.stringify(key)} is not one subject token` };
  const keyProblem = checkKey(key);
  if (keyProblem) return { ok: false, reason: 'bad_key', detail: keyProblem };
  return decode(new TextEncoder().encode(JSON.stringify(event)), key, arrivalMs, WINDOW);
}
