import type { ConsumerMessages } from '@nats-io/jetstream';

/**
 * The pin id the client holds for a consume ('' while it holds none), as it stands when the
 * client hands a message to the consume's callback. The client reports a new pin as a status
 * through an async iterator, which runs only after the callback has taken the messages that came
 * with it; this field is set before the first of them (see the patch's test), so a session can
 * begin at the first message of a new pin.
 */
export function heldPinId(messages: ConsumerMessages | undefined): string {
  return ((messages as unknown as { natsPinId?: unknown } | undefined)?.natsPinId as string | undefined) ?? '';
}
