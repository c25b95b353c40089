import type { JetStreamClient } from '@nats-io/jetstream';

/** An event as the stream stores it: its subject and its bytes. */
export interface StreamEvent {
  subject: string;
  data: Uint8Array;
}

/**
 * The gateway's ceiling: one process publishing `events` over and over to JetStream for `seconds`,
 * pipelined (at most `window` publishes awaiting their acknowledgement), each with a message id as
 * the gateway's carry. Returns the events acknowledged and the seconds from the first publish to
 * the last acknowledgement.
 */
export async function publishCeiling(
  js: JetStreamClient,
  events: readonly StreamEvent[],
  seconds: number,
  window: number,
  idPrefix: string,
): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let sent = 0;
  let acked = 0;
  let inFlight = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const settle = () => {
    inFlight--;
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  while (performance.now() < deadline && failure === undefined) {
    // Check the clock once per window's worth, not per publish.
    for (let i = 0; i < 256; i++) {
      const event = events[sent % events.length]!;
      inFlight++;
      js.publish(event.subject, event.data, { msgID: `${idPrefix}-${sent++}` }).then(
        () => {
          acked++;
          settle();
        },
        (error: unknown) => {
          failure ??= error;
          settle();
        },
      );
      if (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure !== undefined) throw new Error(`ceiling: a publish failed: ${(failure as Error).message}`, { cause: failure });
  return { events: acked, seconds: (performance.now() - started) / 1000 };
}
