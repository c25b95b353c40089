import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { connectionOptions } from '../sources/jetstream/connect.js';
import { natsServers, urlCredentials } from './nats-auth.js';

const options = (env: NodeJS.ProcessEnv) => connectionOptions(loadConfig({ env }).nats, 'test');

describe('credentials in NATS_URL', () => {
  it('are used to sign in, percent-decoded, and taken out of the server list', () => {
    const o = options({ NATS_URL: 'nats://alice:p%40ss@w:rd/x@h1:4222, nats://alice:p%40ss@w:rd/x@h2:4222' });
    expect(o.servers).toEqual(['nats://h1:4222', 'nats://h2:4222']);
    expect([o.user, o.pass, o.token]).toEqual(['alice', 'p@ss@w:rd/x', undefined]);
  });

  it('a lone userinfo is a token; servers without userinfo share the one given', () => {
    const o = options({ NATS_URL: 'tls://s3cr%2Ft@h1:4222,tls://h2:4222' });
    expect([o.token, o.user, o.pass]).toEqual(['s3cr/t', undefined, undefined]);
    expect(o.servers).toEqual(['tls://h1:4222', 'tls://h2:4222']);
  });

  it('are absent from a plain URL, which keeps the other settings', () => {
    expect(urlCredentials('nats://127.0.0.1:4222,h2:4222')).toBeUndefined();
    expect(natsServers('nats://127.0.0.1:4222,h2:4222').servers).toEqual(['nats://127.0.0.1:4222', 'h2:4222']);
    const o = options({ NATS_USER: 'bob', NATS_PASSWORD: 'pw' });
    expect([o.user, o.pass]).toEqual(['bob', 'pw']);
  });

  it.each([
    [
      { NATS_URL: 'nats://u:p@h:4222', NATS_CREDS: '/etc/sift.creds' },
      'credentials in nats.url (NATS_URL) and nats.creds (NATS_CREDS) are set together: NATS signs in one way, so give only one',
    ],
    [
      { NATS_URL: 'nats://u:p@h:4222', NATS_USER: 'u', NATS_PASSWORD: 'p' },
      'credentials in nats.url (NATS_URL) and nats.user/nats.password (NATS_USER/NATS_PASSWORD) are set together',
    ],
    [
      { NATS_URL: 'nats://tok@h:4222', NATS_TOKEN: 'tok' },
      'credentials in nats.url (NATS_URL) and nats.token (NATS_TOKEN) are set together',
    ],
    [
      { NATS_URL: 'nats://tok@h:4222', NATS_NKEY_SEED_FILE: '/seed' },
      'credentials in nats.url (NATS_URL) and nats.nkeySeedFile (NATS_NKEY_SEED_FILE) are set together',
    ],
    [
      { NATS_TOKEN: 'tok', NATS_USER: 'u', NATS_PASSWORD: 'p' },
      'nats.token (NATS_TOKEN) and nats.user/nats.password (NATS_USER/NATS_PASSWORD) are set together',
    ],
    [{ NATS_URL: 'nats://a:x@h1:4222,nats://b:y@h2:4222' }, 'nats.url (NATS_URL) gives different credentials for different servers'],
    [{ NATS_PASSWORD: 'p' }, 'nats.password (NATS_PASSWORD) is set without nats.user (NATS_USER)'],
  ])('contradicting ways to sign in stop start-up in one line: %j', (env, message) => {
    let error: Error | undefined;
    try {
      loadConfig({ env });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(`invalid configuration: ${message}`);
    expect(error?.message.split('\n')).toHaveLength(1);
    expect(error?.message).not.toMatch(/:p@|:x@|:y@|tok@/);
  });
});
