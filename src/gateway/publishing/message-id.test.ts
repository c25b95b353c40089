import { describe, expect, it } from 'vitest';
import { idempotencyKey, messageId, requestFingerprint } from './message-id.js';

describe('message ids', () => {
  const sent = requestFingerprint('POST', '/v1/events/usage/a', '{"event":"x"}');
  it('are the same for a retry, and differ by index, by API key and by request', () => {
    expect(messageId('k', 'req-1', sent, 0)).toBe(
      messageId('k', 'req-1', requestFingerprint('POST', '/v1/events/usage/a', '{"event":"x"}'), 0),
    );
    expect(messageId('k', 'req-1', sent, 1)).not.toBe(messageId('k', 'req-1', sent, 0));
    expect(messageId('other', 'req-1', sent, 0)).not.toBe(messageId('k', 'req-1', sent, 0));
    for (const other of [
      requestFingerprint('POST', '/v1/events/usage/a', '{"event":"y"}'),
      requestFingerprint('POST', '/v1/events/usage/b', '{"event":"x"}'),
    ])
      expect(messageId('k', 'req-1', other, 0)).not.toBe(messageId('k', 'req-1', sent, 0));
    expect(messageId('k', 'req-1', sent, 0)).toMatch(/^gw-[A-Za-z0-9_-]{32}$/);
  });

  it('take the Idempotency-Key header, or make a fresh key for a request without one', () => {
    expect(idempotencyKey('req-1')).toEqual({ ok: true, value: { key: 'req-1', given: true } });
    const fresh = idempotencyKey(undefined);
    expect(fresh.ok && fresh.value.given).toBe(false);
    expect(idempotencyKey('a b')).toMatchObject({ ok: false, refusal: { status: 400, code: 'bad_idempotency_key' } });
    expect(idempotencyKey('x'.repeat(201))).toMatchObject({ ok: false });
  });
});
