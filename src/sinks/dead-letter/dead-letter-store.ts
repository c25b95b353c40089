import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type OrderedConsumerOptions } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { deadLetterFrom, matchesFilter, type DeadLetter, type DeadLetterFilter } from './dead-letter-entry.js';
import { bodyDigest, originalKey, replayMessageId, replayTarget, type ReplayScope, type ReplayTarget } from './replay-target.js';

export class DeadLetterNotFoundError extends Error {
  override name = 'DeadLetterNotFoundError';
}

function headerPairs(headers: MsgHdrs | undefined): Array<[string, string]> {
  if (!headers) return [];
  return headers.keys().flatMap((k) => headers.values(k).map((v): [string, string] => [k, v]));
}

/** Where the dead letters are: the stream and the first subject token of its subjects. */
export interface DeadLetterStream {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
}

/**
 * Reads the dead-letter stream oldest first through an ordered consumer (nothing durable is left
 * behind); the server applies kind and time, the reason is checked here. `headersOnly` skips bodies.
 */
export async function* readDeadLetters(
  dlq: DeadLetterStream,
  filter: DeadLetterFilter,
  options: { headersOnly?: boolean; startSeq?: number } = {},
): AsyncGenerator<DeadLetter> {
  const state = (await dlq.jsm.streams.info(dlq.stream)).state;
  if (state.messages === 0) return;
  const consumerOptions: Partial<OrderedConsumerOptions> = {
    filter_subjects: filter.kind !== undefined ? `${dlq.subjectPrefix}.${filter.kind}` : `${dlq.subjectPrefix}.>`,
    headers_only: Boolean(options.headersOnly),
    ...(filter.sinceMs !== undefined
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(filter.sinceMs).toISOString() }
      : options.startSeq !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.startSeq }
        : { deliver_policy: DeliverPolicy.All }),
  };
  const consumer = await dlq.js.consumers.get(dlq.stream, consumerOptions);
  let matched = 0;
  for (;;) {
    const batch: DeadLetter[] = [];
    let pending = 0;
    // A fetch that finds nothing waits `expires`: that only happens when nothing matches the kind or time.
    for await (const m of await consumer.fetch({ max_messages: 256, expires: 1_000 })) {
      batch.push(deadLetterFrom({ seq: m.seq, subject: m.subject, time: m.time, headers: headerPairs(m.headers), data: m.data }));
      pending = m.info.pending;
    }
    for (const entry of batch) {
      if (!matchesFilter(entry, filter)) continue;
      yield entry;
      if (filter.limit !== undefined && ++matched >= filter.limit) return;
    }
    if (batch.length === 0 || pending === 0) return;
  }
}

export async function getDeadLetter(dlq: DeadLetterStream, seq: number): Promise<DeadLetter> {
  const stored = await dlq.jsm.streams.getMessage(dlq.stream, { seq }).catch(() => null);
  if (!stored) throw new DeadLetterNotFoundError(`no dead letter ${seq} in stream ${dlq.stream}`);
  return deadLetterFrom({
    seq: stored.seq,
    subject: stored.subject,
    time: stored.time,
    headers: headerPairs(stored.header),
    data: stored.data,
  });
}

export interface ReplayReport {
  replayed: Array<{ seq: number; subject: string }>;
  /** Further dead letters of an original this replay sent (removed, not sent again). */
  duplicates: Array<{ seq: number; of: number }>;
  /** Dead letters that may not or cannot be replayed, with why; they stay in the dead-letter stream. */
  refused: Array<{ seq: number; why: string }>;
}

/** The dead letters that pass the replay checks, by original: a replay removes all of an original's. */
async function deadLettersByOriginal(
  dlq: DeadLetterStream,
  scope: ReplayScope,
): Promise<Map<string, Array<{ seq: number; storedSubject: string }>>> {
  const byOriginal = new Map<string, Array<{ seq: number; storedSubject: string }>>();
  for await (const entry of readDeadLetters(dlq, {}, { headersOnly: true })) {
    const decision = replayTarget(entry, scope);
    if (!decision.ok) continue;
    const key = originalKey(decision.target);
    byOriginal.set(key, [...(byOriginal.get(key) ?? []), { seq: entry.seq, storedSubject: decision.target.storedSubject }]);
  }
  return byOriginal;
}

/** The body to replay and the producer's message id: the dead letter's own, or the original's from the stream when the dead letter's was changed. */
async function replayBody(
  dlq: DeadLetterStream,
  entry: DeadLetter,
  target: ReplayTarget,
): Promise<{ body: Uint8Array; producerMsgId: string | undefined } | { why: string }> {
  if (!target.needsOriginal) return { body: entry.data, producerMsgId: target.producerMsgId };
  let failure = 'it is no longer there';
  const original = await dlq.jsm.streams.getMessage(target.originalStream, { seq: target.originalSequence }).catch((error: unknown) => {
    failure = `it could not be read: ${(error as Error).message}`;
    return null;
  });
  const what = `its body was rewritten by PRIVACY or cut, and the original (sequence ${target.originalSequence} of ${target.originalStream})`;
  if (!original) return { why: `${what}: ${failure}` };
  if (original.subject !== target.storedSubject)
    return { why: `${what} has subject ${JSON.stringify(original.subject)}, not ${JSON.stringify(target.storedSubject)}` };
  return { body: original.data, producerMsgId: target.producerMsgId ?? (original.header?.get('Nats-Msg-Id') || undefined) };
}

/**
 * Republishes each matching dead letter's body to its device subject, then deletes it and every
 * other dead letter of the same original with the same body, so a second replay does not send it
 * again. The message id (the producer's, else one per original stream, sequence and body) makes a
 * crash between the two steps, or two dead letters of one original, store it once within the
 * duplicate window. A dead letter whose headers do not hold up (see replayTarget) is refused and
 * kept; so is one that claims an original already replayed in this run with another body (its
 * headers are forged, or the other's are): neither may cost the other its replay.
 */
export async function replayDeadLetters(
  dlq: DeadLetterStream,
  scope: ReplayScope,
  filter: DeadLetterFilter,
  options: { dryRun: boolean },
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], duplicates: [], refused: [] };
  const byOriginal = await deadLettersByOriginal(dlq, scope);
  /** Per original replayed in this run: the body digest and message id it went out with, and its dead letter. */
  const replayed = new Map<string, { digest: string; msgID: string; seq: number }>();
  const idsSent = new Map<string, string>();
  const remove = async (seq: number) => {
    if (!options.dryRun) await dlq.jsm.streams.deleteMessage(dlq.stream, seq, false).catch(() => false);
  };
  for await (const entry of readDeadLetters(dlq, filter)) {
    const decision = replayTarget(entry, scope);
    if (!decision.ok) {
      report.refused.push({ seq: entry.seq, why: decision.why });
      continue;
    }
    const { target } = decision;
    const key = originalKey(target);
    const found = await replayBody(dlq, entry, target);
    if ('why' in found) {
      report.refused.push({ seq: entry.seq, why: found.why });
      continue;
    }
    const digest = bodyDigest(found.body);
    const msgID = replayMessageId({ ...target, producerMsgId: found.producerMsgId }, digest);
    const first = replayed.get(key);
    if (first !== undefined && first.digest === digest && first.msgID === msgID) {
      if (!report.duplicates.some((d) => d.seq === entry.seq)) report.duplicates.push({ seq: entry.seq, of: first.seq });
      continue;
    }
    const clash = first ?? (idsSent.has(msgID) && idsSent.get(msgID) !== digest ? { seq: undefined } : undefined);
    if (clash) {
      report.refused.push({
        seq: entry.seq,
        why: `it claims the original (sequence ${target.originalSequence} of ${target.originalStream}) or message id ${JSON.stringify(msgID)} of a dead letter replayed just now with another body; one of them is forged`,
      });
      continue;
    }
    if (!options.dryRun) {
      const ack = await dlq.js.publish(target.subject, found.body, { msgID });
      // The producer's id within the duplicate window of the original itself: the stream dropped
      // the replay as that message, which is the one that was dead-lettered. Kept for a later try.
      if (ack.duplicate && ack.seq === target.originalSequence) {
        report.refused.push({
          seq: entry.seq,
          why: `the stream still remembers message id ${JSON.stringify(msgID)} of the original (its duplicate window): replay it again in a few minutes`,
        });
        continue;
      }
      await remove(entry.seq);
    }
    replayed.set(key, { digest, msgID, seq: entry.seq });
    idsSent.set(msgID, digest);
    report.replayed.push({ seq: entry.seq, subject: target.subject });
    for (const sibling of byOriginal.get(key) ?? []) {
      if (sibling.seq === entry.seq || sibling.storedSubject !== target.storedSubject) continue;
      // Only a sibling with this very body is the same dead letter again; another is left to be judged on its own.
      const letter = await getDeadLetter(dlq, sibling.seq).catch(() => undefined);
      if (!letter || bodyDigest(letter.data) !== bodyDigest(entry.data)) continue;
      await remove(sibling.seq);
      report.duplicates.push({ seq: sibling.seq, of: entry.seq });
    }
  }
  return report;
}

/** Deletes the matching dead letters; returns how many. */
export async function purgeDeadLetters(dlq: DeadLetterStream, filter: DeadLetterFilter): Promise<number> {
  if (filter.reason === undefined && filter.sinceMs === undefined && filter.limit === undefined) {
    // Whole kinds go in one server-side purge.
    const filterSubject = filter.kind !== undefined ? `${dlq.subjectPrefix}.${filter.kind}` : `${dlq.subjectPrefix}.>`;
    return (await dlq.jsm.streams.purge(dlq.stream, { filter: filterSubject })).purged;
  }
  let purged = 0;
  for await (const entry of readDeadLetters(dlq, filter, { headersOnly: true })) {
    if (await dlq.jsm.streams.deleteMessage(dlq.stream, entry.seq, false)) purged++;
  }
  return purged;
}
