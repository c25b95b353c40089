import { describe, expect, it } from 'vitest';
import { maskUrl, maskUrlList, maskUrlsIn } from './mask-url.js';

describe('credentials inside URLs', () => {
  it('keeps the user and hides the password', () => {
    expect(maskUrl('nats://alice:s3cret@nats.example:4222')).toBe('nats://alice:***@nats.example:4222');
    expect(maskUrl('https://u:p%40ss@ch.example:8443/db')).toBe('https://u:***@ch.example:8443/db');
  });
  it('hides a lone token entirely', () => {
    expect(maskUrl('nats://t0ken@host:4222')).toBe('nats://***@host:4222');
  });
  it('leaves URLs without userinfo alone', () => {
    expect(maskUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(maskUrl('http://host/a@b')).toBe('http://host/a@b');
  });
  it('masks every server of a list and every URL in a message', () => {
    expect(maskUrlList('nats://a:x@h1:4222, tls://b:y@h2:4222')).toBe('nats://a:***@h1:4222,tls://b:***@h2:4222');
    expect(maskUrlsIn('cannot reach http://u:pw@h:8123 (refused)')).toBe('cannot reach http://u:***@h:8123 (refused)');
  });
});
