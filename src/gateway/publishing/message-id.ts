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
 * What a retry repeats of a request: its method, URL and decoded body (decoded, since a client
 * may gzip its retry with another timestamp in the gzip header).
 */
export function requestFingerprint(method: string, url: string, body: string): string {
  return createHash('sha256').update(`${method}\n${url}\n${body}`).digest('base64url');
}

/**
 * The Nats-Msg-Id of event `index` of a request: the same for the same API key, Idempotency-Key,
 * request and index, so JetStream drops a retry's copy within the stream's duplicate window. The
 * API key's name is part of it: one key's client cannot make another key's events look like
 * duplicates; and so is the request's fingerprint: a reused Idempotency-Key on another body or
 * path publishes that body instead of losing it as a duplicate behind a 202.
 */
export function messageId(keyName: string, idempotency: string, fingerprint: string, index: number): string {
  return `gw-${createHash('sha256').update(`${keyName}\n${idempotency}\n${fingerprint}\n${index}`).digest('base64url').slice(0, 32)}`;
}
