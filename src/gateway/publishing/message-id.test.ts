import { describe, expect, it } from 'vitest';
import { idempotencyKey, messageId } from './message-id.js';

describe('message ids', () => {
  it('are the same for a retry, and differ by index and by API key', () => {
    expect(messageId('k', 'req-1', 0)).toBe(messageId('k', 'req-1', 0));
    expect(messageId('k', 'req-1', 1)).not.toBe(messageId('k', 'req-1', 0));
    expect(messageId('other', 'req-1', 0)).not.toBe(messageId('k', 'req-1', 0));
    expect(messageId('k', 'req-1', 0)).toMatch(/^gw-[A-Za-z0-9_-]{32}$/);
  });

  it('take the Idempotency-Key header, or make a fresh key for a request without one', () => {
    expect(idempotencyKey('req-1')).toEqual({ ok: true, value: { key: 'req-1', given: true } });
    const fresh = idempotencyKey(undefined);
    expect(fresh.ok && fresh.value.given).toBe(false);
    expect(idempotencyKey('a b')).toMatchObject({ ok: false, refusal: { status: 400, code: 'bad_idempotency_key' } });
    expect(idempotencyKey('x'.repeat(201))).toMatchObject({ ok: false });
  });
});
