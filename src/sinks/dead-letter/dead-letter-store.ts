import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type OrderedConsumerOptions } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { deadLetterFrom, matchesFilter, replayMessageId, replaySubject, type DeadLetter, type DeadLetterFilter } from './dead-letter-entry.js';

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
  return deadLetterFrom({ seq: stored.seq, subject: stored.subject, time: stored.time, headers: headerPairs(stored.header), data: stored.data });
}

export interface ReplayReport {
  replayed: Array<{ seq: number; subject: string }>;
  /** Dead letters whose original subject is not a stored telemetry subject, so they cannot be replayed. */
  skipped: Array<{ seq: number; why: string }>;
}

/**
 * Republishes each matching dead letter's body to its original publish subject, then deletes it
 * from the dead-letter stream so a second replay does not send it again. The message id makes a
 * crash between the two steps safe: replayed again within the duplicate window, it is stored once.
 */
export async function replayDeadLetters(dlq: DeadLetterStream, filter: DeadLetterFilter, options: { dryRun: boolean }): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], skipped: [] };
  for await (const entry of readDeadLetters(dlq, filter)) {
    const subject = replaySubject(entry.originalSubject);
    if (!subject) {
      report.skipped.push({ seq: entry.seq, why: `original subject "${entry.originalSubject}" is not <prefix>.<kind>.<partition>.<key>` });
      continue;
    }
    if (!options.dryRun) {
      await dlq.js.publish(subject, entry.data, { msgID: replayMessageId(dlq.stream, entry.seq) });
      await dlq.jsm.streams.deleteMessage(dlq.stream, entry.seq, false);
    }
    report.replayed.push({ seq: entry.seq, subject });
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
