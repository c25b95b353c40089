import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { DeadLetterReason } from '../../pipeline/result.js';
import { backoffDelay, sleep } from '../clickhouse/retry.js';
import type { Logger } from '../../telemetry/logger.js';

/** The message being dead-lettered, as it was read from the stream. */
export interface DeadLetterSource {
  subject: string;
  seq: number;
  data: Uint8Array;
  /** JetStream arrival time, epoch ms. */
  timestampMs: number;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'Sift-Reason',
  detail: 'Sift-Detail',
  subject: 'Sift-Original-Subject',
  stream: 'Sift-Original-Stream',
  sequence: 'Sift-Original-Sequence',
  time: 'Sift-Original-Time',
} as const;

const MAX_DETAIL = 1024;

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
  ) {}

  subjectFor(kind: string): string {
    return `${this.dlqPrefix}.${/^[A-Za-z0-9_-]+$/.test(kind) ? kind : '_invalid'}`;
  }

  async publish(kind: string, source: DeadLetterSource, reason: DeadLetterReason, detail: string): Promise<boolean> {
    const h = natsHeaders();
    h.set(DEAD_LETTER_HEADERS.reason, reason);
    h.set(DEAD_LETTER_HEADERS.detail, detail.replace(/[\r\n]+/g, ' ').slice(0, MAX_DETAIL));
    h.set(DEAD_LETTER_HEADERS.subject, source.subject);
    h.set(DEAD_LETTER_HEADERS.stream, this.stream);
    h.set(DEAD_LETTER_HEADERS.sequence, String(source.seq));
    h.set(DEAD_LETTER_HEADERS.time, new Date(source.timestampMs).toISOString());
    const subject = this.subjectFor(kind);
    for (let attempt = 0; ; attempt++) {
      if (this.signal?.aborted) return false;
      try {
        // The message id makes a redelivered original dead-letter once within the duplicate window.
        await this.js.publish(subject, source.data, { headers: h, msgID: `${this.stream}:${source.seq}` });
        return true;
      } catch (error) {
        const delay = backoffDelay(attempt, { initialMs: 200, maxMs: 10_000 });
        this.logger.warn({ subject, attempt: attempt + 1, err: (error as Error).message }, 'dead-letter publish failed, retrying');
        await sleep(delay, this.signal);
      }
    }
  }
}
