import { createHash, randomUUID } from 'node:crypto';
import { done, refuse, type Step } from '../refusal.js';

/** Printable ASCII without spaces, as HTTP header values allow; long enough for a UUID or a hash. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The request's Idempotency-Key, or a fresh one when it has none (then a 503 hands it out, so a
 * retry that sends it back stores nothing twice either).
 */
export function idempotencyKey(header: unknown): Step<{ key: string; given: boolean }> {
  if (header === undefined) return done({ key: randomUUID(), given: false });
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    return refuse(400, 'bad_idempotency_key', 'Idempotency-Key must be 1-200 printable ASCII characters without spaces');
  }
  return done({ key: header, given: true });
}

/**
 * The Nats-Msg-Id of event `index` of a request: the same for the same API key, Idempotency-Key
 * and index, so JetStream drops a retry's copy within the stream's duplicate window. The API key's
 * name is part of it: one key's client cannot make another key's events look like duplicates.
 */
export function messageId(keyName: string, idempotency: string, index: number): string {
  return `gw-${createHash('sha256').update(`${keyName}\n${idempotency}\n${index}`).digest('base64url').slice(0, 32)}`;
}
