import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { extraEnvNames, secretEnvNames } from './env-sources.js';

const dir = mkdtempSync(join(tmpdir(), 'sift-env-sources-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const load = (env: NodeJS.ProcessEnv) => loadConfig({ env });

describe("the NATS CLI's variable names", () => {
  const ca = file('ca.pem', 'CA');
  const cert = file('cert.pem', 'CERT');
  const key = file('key.pem', 'KEY');
  const seed = file('user.nk', 'SUAEXAMPLE');

  it('NATS_CA, NATS_CERT, NATS_KEY and NATS_NKEY set the TLS files and the nkey seed file', () => {
    const c = load({ NATS_CA: ca, NATS_CERT: cert, NATS_KEY: key, NATS_NKEY: seed });
    expect(c.nats.tls).toEqual({ caFile: ca, certFile: cert, keyFile: key });
    expect(c.nats.nkeySeedFile).toBe(seed);
  });

  it('both names with the same value are fine; with different values start-up stops in one line', () => {
    expect(load({ NATS_CA: ca, NATS_TLS_CA_FILE: ca }).nats.tls.caFile).toBe(ca);
    expect(() => load({ NATS_CA: ca, NATS_TLS_CA_FILE: cert })).toThrow(
      `invalid configuration: NATS_CA (the NATS CLI's name) and NATS_TLS_CA_FILE are the same setting but differ ("${ca}" and "${cert}"): set one of them`,
    );
    expect(() => load({ NATS_NKEY: seed, NATS_NKEY_SEED_FILE: ca })).toThrow(
      /^invalid configuration: NATS_NKEY .* and NATS_NKEY_SEED_FILE are the same setting but differ/,
    );
  });
});

describe('secrets from files (<NAME>_FILE)', () => {
  it('exists for every sensitive key', () => {
    expect(secretEnvNames().sort()).toEqual(['ALERT_WEBHOOK_URL', 'CLICKHOUSE_PASSWORD', 'NATS_PASSWORD', 'NATS_TOKEN', 'PRIVACY_SALT']);
    expect(extraEnvNames()).toContain('CLICKHOUSE_PASSWORD_FILE');
  });

  it('reads the value from the file, trailing newline trimmed', () => {
    const c = load({
      CLICKHOUSE_PASSWORD_FILE: file('ch-pass', 'ch s3cret\n'),
      NATS_USER: 'sift',
      NATS_PASSWORD_FILE: file('nats-pass', 'pw'),
      PRIVACY_SALT_FILE: file('salt', 'salty\n\n'),
      ALERT_WEBHOOK_URL_FILE: file('hook', 'https://hooks.example/T0/B0/x\n'),
    });
    expect(c.clickhouse.password).toBe('ch s3cret');
    expect(c.nats.password).toBe('pw');
    // One way to sign in at a time: the token from its file in a load of its own.
    expect(load({ NATS_TOKEN_FILE: file('nats-token', 'tok3n\r\n') }).nats.token).toBe('tok3n');
    expect(c.privacy.salt).toBe('salty');
    expect(c.alerts.webhookUrl).toBe('https://hooks.example/T0/B0/x');
  });

  it('both the variable and its _FILE set stop start-up, naming both and showing neither value', () => {
    let message = '';
    try {
      load({ CLICKHOUSE_PASSWORD: 'inline-secret', CLICKHOUSE_PASSWORD_FILE: file('ch-pass-2', 'file-secret\n') });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('invalid configuration: CLICKHOUSE_PASSWORD and CLICKHOUSE_PASSWORD_FILE are both set: give the secret one way');
  });

  it('a _FILE that is missing is named with its path', () => {
    expect(() => load({ NATS_PASSWORD_FILE: join(dir, 'absent') })).toThrow(
      `invalid configuration: NATS_PASSWORD_FILE = "${join(dir, 'absent')}": no such file`,
    );
    expect(() => load({ NATS_PASSWORD_FILE: dir })).toThrow(/NATS_PASSWORD_FILE = ".*": is a directory$/);
  });
});
