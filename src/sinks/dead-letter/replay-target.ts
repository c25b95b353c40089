import { createHash } from 'node:crypto';
import { checkKey } from '../../contract/subject-key.js';
import { DEAD_LETTER_HEADERS } from './dead-letter-publisher.js';
import type { DeadLetter } from './dead-letter-entry.js';

/** Where replays may go: the telemetry stream's subjects, and the dead-letter stream they come from. */
export interface ReplayScope {
  /** The telemetry stream a dead letter's original must come from. */
  stream: string;
  subjectPrefix: string;
  dlqSubjectPrefix: string;
}

/** A dead letter that may be replayed: where to, and which original it stands for. */
export interface ReplayTarget {
  /** The subject devices publish to: <prefix>.<kind>.<key>. */
  subject: string;
  originalStream: string;
  originalSequence: number;
  /** The original subject as stored: <prefix>.<kind>.<partition>.<key>. */
  storedSubject: string;
  /** The body is not the original (PRIVACY rewrote or withheld it, or it was cut): replay the original from the stream. */
  needsOriginal: boolean;
  /** The producer's Nats-Msg-Id, when the dead letter kept it. */
  producerMsgId: string | undefined;
}

export type ReplayDecision = { ok: true; target: ReplayTarget } | { ok: false; why: string };

const KIND = /^[A-Za-z0-9_-]+$/;
const PARTITION = /^\d{1,9}$/;

const refuse = (why: string): ReplayDecision => ({ ok: false, why });

/**
 * Whether a dead letter may be replayed, and where. Its headers are input (anyone who may publish
 * to the dead-letter stream writes them), so the target is built from what they must agree with:
 * the kind it was filed under (its dead-letter subject), the telemetry subject prefix, and a key
 * the contract accepts. Anything else is refused with the reason, and left where it is.
 */
export function replayTarget(entry: DeadLetter, scope: ReplayScope): ReplayDecision {
  const dlqPrefix = `${scope.dlqSubjectPrefix}.`;
  if (!entry.subject.startsWith(dlqPrefix) || !KIND.test(entry.kind) || entry.kind === '_invalid') {
    return refuse(`it was filed under "${entry.subject}", not under a kind (${dlqPrefix}<kind>)`);
  }
  if (entry.originalStream !== scope.stream) return refuse(`its original stream "${entry.originalStream}" is not ${scope.stream}`);
  if (entry.originalSequence === undefined || entry.originalSequence < 1)
    return refuse(`it names no original sequence (${DEAD_LETTER_HEADERS.sequence})`);
  const tokens = entry.originalSubject.split('.');
  if (tokens.length !== 4)
    return refuse(`its original subject ${JSON.stringify(entry.originalSubject)} is not ${scope.subjectPrefix}.<kind>.<partition>.<key>`);
  const [prefix, kind, partition, key] = tokens as [string, string, string, string];
  if (prefix !== scope.subjectPrefix)
    return refuse(
      `its original subject ${JSON.stringify(entry.originalSubject)} is not under the telemetry prefix "${scope.subjectPrefix}"`,
    );
  if (kind !== entry.kind)
    return refuse(
      `its original subject ${JSON.stringify(entry.originalSubject)} names kind "${kind}", but it was filed under kind "${entry.kind}"`,
    );
  if (!PARTITION.test(partition))
    return refuse(`its original subject ${JSON.stringify(entry.originalSubject)} has no partition number in its third token`);
  const badKey = checkKey(key);
  if (badKey !== undefined) return refuse(`its original subject's ${badKey}`);
  const header = (name: string) => entry.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return {
    ok: true,
    target: {
      subject: `${prefix}.${kind}.${key}`,
      originalStream: entry.originalStream,
      originalSequence: entry.originalSequence,
      storedSubject: entry.originalSubject,
      needsOriginal: header(DEAD_LETTER_HEADERS.privacy) !== undefined || header(DEAD_LETTER_HEADERS.truncated) !== undefined,
      producerMsgId: header(DEAD_LETTER_HEADERS.msgId) || undefined,
    },
  };
}

/** A short digest of the body a replay publishes: a dead letter's claim to an original is its headers, which anyone who may file one writes. */
export const bodyDigest = (body: Uint8Array): string => createHash('sha256').update(body).digest('base64url').slice(0, 22);

/**
 * The message id a replay publishes under: the producer's own when it gave one (a retry of the
 * producer and the replay are then one message), else one per original stream, sequence and body,
 * so two dead letters of one original (say, the worker's and a later backfill's) replay once, and
 * a forged one naming the same original with another body cannot pass as it.
 */
export const replayMessageId = (
  target: Pick<ReplayTarget, 'producerMsgId' | 'originalStream' | 'originalSequence'>,
  digest: string,
): string => target.producerMsgId ?? `sift-replay:${target.originalStream}:${target.originalSequence}:${digest}`;

/** One key per original message, to find the dead letters that claim the same one. */
export const originalKey = (target: Pick<ReplayTarget, 'originalStream' | 'originalSequence'>): string =>
  `${target.originalStream}:${target.originalSequence}`;
