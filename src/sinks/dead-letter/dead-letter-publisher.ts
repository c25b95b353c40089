import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { backoffDelay, sleep } from '../../util/timing.js';
import type { Logger } from '../../telemetry/logger.js';
import { NO_BODY_PRIVACY, type BodyPrivacy } from '../../transforms/privacy/dead-letter-body.js';

/** The message being dead-lettered, as it was read from the stream. */
export interface DeadLetterSource {
  subject: string;
  seq: number;
  data: Uint8Array;
  /** JetStream arrival time, epoch ms. */
  timestampMs: number;
  /** The producer's own Nats-Msg-Id, when it gave one. */
  msgId?: string | undefined;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'Sift-Reason',
  detail: 'Sift-Detail',
  subject: 'Sift-Original-Subject',
  stream: 'Sift-Original-Stream',
  sequence: 'Sift-Original-Sequence',
  time: 'Sift-Original-Time',
  truncated: 'Sift-Body-Truncated',
  /** `rewritten` (PRIVACY hashed or dropped fields) or `withheld` (a body of such a kind that is not JSON). */
  privacy: 'Sift-Privacy',
  /** The producer's Nats-Msg-Id: a replay publishes under it again. */
  msgId: 'Sift-Original-Msg-Id',
} as const;

const MAX_DETAIL = 1024;
/** The NATS server's default max_payload, when the connection does not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Room kept for the protocol line and the headers' framing beyond their text. */
const HEADER_SLACK = 512;

/**
 * The body a dead letter can carry: the original when body and headers fit the server's
 * max_payload, else its first bytes (the original stays in the source stream, by its sequence).
 */
export function fittingBody(data: Uint8Array, headerBytes: number, maxPayload: number): Uint8Array | undefined {
  const room = maxPayload - headerBytes - HEADER_SLACK;
  return data.length <= room ? undefined : data.subarray(0, Math.max(0, room));
}

/**
 * Republishes bad input to <dlqPrefix>.<kind> with headers giving the reason, the original subject
 * and sequence. It never throws: it retries until JetStream has the message or `signal` aborts,
 * and the caller acks the original only after the returned promise says true.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly dlqPrefix: string,
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
    private readonly maxPayload: number = DEFAULT_MAX_PAYLOAD,
    private readonly privacy: BodyPrivacy = NO_BODY_PRIVACY,
  ) {}

  subjectFor(kind: string): string {
    return `${this.dlqPrefix}.${/^[A-Za-z0-9_-]+$/.test(kind) ? kind : '_invalid'}`;
  }

  async publish(kind: string, source: DeadLetterSource, reason: string, detail: string): Promise<boolean> {
    const h = natsHeaders();
    h.set(DEAD_LETTER_HEADERS.reason, reason);
    h.set(
      DEAD_LETTER_HEADERS.detail,
      this.privacy
        .detail(kind, detail)
        .replace(/[\r\n]+/g, ' ')
        .slice(0, MAX_DETAIL),
    );
    h.set(DEAD_LETTER_HEADERS.subject, source.subject);
    h.set(DEAD_LETTER_HEADERS.stream, this.stream);
    h.set(DEAD_LETTER_HEADERS.sequence, String(source.seq));
    h.set(DEAD_LETTER_HEADERS.time, new Date(source.timestampMs).toISOString());
    if (source.msgId) h.set(DEAD_LETTER_HEADERS.msgId, source.msgId);
    // The dead-letter stream is read by operators: it keeps what ClickHouse would keep, no more.
    const { data, outcome } = this.privacy.body(kind, source.data);
    if (outcome !== 'none') h.set(DEAD_LETTER_HEADERS.privacy, outcome);
    const subject = this.subjectFor(kind);
    // A body near max_payload no longer fits with the headers: publishing it would fail for ever
    // and hold its partition's acks back.
    const headerBytes = subject.length + [...h.keys()].reduce((n, k) => n + k.length + 4 + Buffer.byteLength(h.get(k)), 0);
    const truncated = fittingBody(data, headerBytes + DEAD_LETTER_HEADERS.truncated.length + 16, this.maxPayload);
    if (truncated) h.set(DEAD_LETTER_HEADERS.truncated, String(data.length));
    const body = truncated ?? data;
    for (let attempt = 0; ; attempt++) {
      if (this.signal?.aborted) return false;
      try {
        // The message id makes a redelivered original dead-letter once within the duplicate window.
        await this.js.publish(subject, body, { headers: h, msgID: `${this.stream}:${source.seq}` });
        return true;
      } catch (error) {
        const delay = backoffDelay(attempt, { initialMs: 200, maxMs: 10_000 });
        this.logger.warn({ subject, attempt: attempt + 1, err: (error as Error).message }, 'dead-letter publish failed, retrying');
        await sleep(delay, this.signal);
      }
    }
  }
}
