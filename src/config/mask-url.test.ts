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
    expect(maskUrl('http://host/a/b?x=1')).toBe('http://host/a/b?x=1');
  });
  it('masks every server of a list and every URL in a message', () => {
    expect(maskUrlList('nats://a:x@h1:4222, tls://b:y@h2:4222')).toBe('nats://a:***@h1:4222,tls://b:***@h2:4222');
    expect(maskUrlsIn('cannot reach http://u:pw@h:8123 (refused)')).toBe('cannot reach http://u:***@h:8123 (refused)');
  });
  it.each([
    ['an @', 'nats://u:p@ss-x@host:4222', 'nats://u:***@host:4222'],
    ['two @', 'http://u:a@b@c-x@host', 'http://u:***@host'],
    ['a :', 'nats://u:pa:ss-x@host:4222', 'nats://u:***@host:4222'],
    ['a /', 'nats://u:pa/ss-x@host:4222', 'nats://u:***@host:4222'],
    ['a / first', 'nats://u:/pass-x@host:4222', 'nats://u:***@host:4222'],
    ['%40', 'https://u:p%40ss-x@ch:8443', 'https://u:***@ch:8443'],
    ['a ,', 'nats://u:pa,ss-x@host:4222', 'nats://u:***@host:4222'],
    ['a token with @ and /', 'nats://t@k/en-x@host', 'nats://***@host'],
  ])('leaves no part of a password holding %s', (_, url, masked) => {
    expect(maskUrl(url)).toBe(masked);
    const frame = '\n    at load (file:///srv/sift/node_modules/@nats-io/x.js:1:2)';
    expect(maskUrlsIn(`nats.url (NATS_URL) = ${JSON.stringify(url)}: must be nats://host:port${frame}`)).toBe(
      `nats.url (NATS_URL) = "${masked}": must be nats://host:port${frame}`,
    );
  });
  it('leaves module paths in a stack trace alone', () => {
    const frame = '    at connect (file:///srv/sift/node_modules/@nats-io/transport-node/lib/connect.js:10:3)';
    expect(maskUrlsIn(frame)).toBe(frame);
  });
  it('masks a path holding an @, which cannot be told from a password holding a /', () => {
    expect(maskUrl('http://host/a@b')).toBe('http://***@b');
  });
});
