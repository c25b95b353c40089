import { JetStreamApiError } from '@nats-io/jetstream';
import { TimeoutError } from '@nats-io/transport-node';
import type { PublishLink } from './publish-link.js';

/** An event ready for JetStream: its subject, its bytes as sent, its message id. */
export interface Publishable {
  subject: string;
  data: Uint8Array;
  msgId: string;
}

/** Every event acknowledged (some perhaps as duplicates of a retry's earlier copy), or why not. */
export type PublishOutcome = { ok: true; duplicates: number } | { ok: false; problem: string };

/**
 * Publishes the events pipelined and waits for every acknowledgement, at most `timeoutMs`. When
 * not all came, the caller answers 503; a connection that timed out is abandoned, so nothing it
 * still buffers is stored later. An event that did reach the stream stays stored: a retry with
 * the same Idempotency-Key is then dropped as a duplicate.
 */
export async function publishEvents(link: PublishLink, events: readonly Publishable[], timeoutMs: number): Promise<PublishOutcome> {
  const current = link.current;
  if (!current) return { ok: false, problem: 'NATS is not reachable' };
  const settled = await Promise.allSettled(
    events.map((e) => current.js.publish(e.subject, e.data, { msgID: e.msgId, timeout: timeoutMs })),
  );
  let duplicates = 0;
  let failure: unknown;
  let failed = 0;
  for (const result of settled) {
    if (result.status === 'fulfilled') duplicates += result.value.duplicate ? 1 : 0;
    else {
      failed++;
      failure ??= result.reason;
    }
  }
  if (failed === 0) return { ok: true, duplicates };
  // The stream answered (refused, or no stream at all): nothing is buffered. Anything else may be.
  if (!(failure instanceof JetStreamApiError || noStream(failure))) link.abandon(current);
  return { ok: false, problem: `${failed} of ${events.length} event(s) not acknowledged: ${describePublishFailure(failure, timeoutMs)}` };
}

function describePublishFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutError) return `NATS did not acknowledge within ${timeoutMs} ms (GATEWAY_PUBLISH_TIMEOUT_MS)`;
  if (noStream(error)) return 'no JetStream stream takes these subjects (is the stream provisioned? sift provision)';
  if (error instanceof JetStreamApiError) return `the stream refused: ${error.message}`;
  return `the NATS connection failed: ${(error as Error).message}`;
}

/** nats.js's error for a publish no stream answered (its class is not exported). */
const noStream = (error: unknown): boolean => (error as Error | undefined)?.name === 'JetStreamNotEnabled';
