import type { JetStreamManager, MsgRequest } from '@nats-io/jetstream';

/** One end of a backfill: a stream sequence or a time (epoch ms). */
export type RangeBound = { seq: number } | { timeMs: number };

/** A sequence range of the stream, both ends included. */
export interface SeqRange {
  first: number;
  last: number;
}

/** `--from`/`--until` as typed: a whole number is a stream sequence, anything else a date-time (ISO 8601). */
export function parseBound(text: string, option: string): RangeBound | string {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const seq = Number(trimmed);
    return Number.isSafeInteger(seq) && seq > 0 ? { seq } : `--${option} ${text}: a sequence is a whole number from 1`;
  }
  const timeMs = Date.parse(trimmed);
  return Number.isNaN(timeMs)
    ? `--${option} "${text}" is neither a stream sequence nor a date-time (e.g. 2024-05-01T12:00:00Z)`
    : { timeMs };
}

/** The stored message at or after `seq` (any subject), or null past the end. */
async function storedFrom(
  jsm: JetStreamManager,
  stream: string,
  subjects: string,
  seq: number,
): Promise<{ seq: number; timeMs: number } | null> {
  // next_by_subj: the first message at or after seq on the subject, so deleted sequences are stepped over.
  const stored = await jsm.streams.getMessage(stream, { seq, next_by_subj: subjects } as unknown as MsgRequest);
  return stored ? { seq: stored.seq, timeMs: stored.time.getTime() } : null;
}

/**
 * The first sequence in [lo, hi] whose message arrived at or after `timeMs`, or hi + 1 when none
 * did: a binary search over arrival times, which grow with the sequence in a stream.
 */
export async function firstSeqAtOrAfter(
  jsm: JetStreamManager,
  stream: string,
  subjects: string,
  timeMs: number,
  lo: number,
  hi: number,
): Promise<number> {
  // Smallest sequence whose next stored message is past hi or arrived at or after timeMs (monotonic in the sequence).
  let [a, b] = [lo, hi + 1];
  while (a < b) {
    const mid = a + Math.floor((b - a) / 2);
    const found = await storedFrom(jsm, stream, subjects, mid);
    if (!found || found.seq > hi || found.timeMs >= timeMs) b = mid;
    else a = found.seq + 1;
  }
  if (a > hi) return hi + 1;
  const found = await storedFrom(jsm, stream, subjects, a);
  return found && found.seq <= hi ? found.seq : hi + 1;
}

/**
 * The sequence range a backfill reads: `from` and `until` resolved against the stream's arrival
 * times, the end capped at the stream's last sequence when the backfill starts (so it finishes
 * while live messages keep coming). Undefined when the range holds no sequence.
 */
export async function resolveRange(
  jsm: JetStreamManager,
  stream: string,
  subjects: string,
  from: RangeBound,
  until: RangeBound | undefined,
): Promise<SeqRange | undefined> {
  const { state } = await jsm.streams.info(stream);
  const [streamFirst, streamLast] = [state.first_seq, state.last_seq];
  if (state.messages === 0) return undefined;
  const first =
    'seq' in from ? Math.max(from.seq, streamFirst) : await firstSeqAtOrAfter(jsm, stream, subjects, from.timeMs, streamFirst, streamLast);
  let last = streamLast;
  if (until)
    last = Math.min(
      streamLast,
      'seq' in until ? until.seq : (await firstSeqAtOrAfter(jsm, stream, subjects, until.timeMs + 1, streamFirst, streamLast)) - 1,
    );
  return first <= last ? { first, last } : undefined;
}
