import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeConfig, loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'sift-config-'));
const pem = join(dir, 'ca.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');
const load = (env: NodeJS.ProcessEnv) => () => loadConfig({ env });

describe('files named by the configuration', () => {
  it('are checked at load, naming the key and the variable', () => {
    expect(load({ NATS_CREDS: '/nowhere/sift.creds' })).toThrow(
      'invalid configuration: nats.creds (NATS_CREDS) = "/nowhere/sift.creds": no such file',
    );
    expect(load({ NATS_NKEY_SEED_FILE: '/nowhere/seed' })).toThrow(
      'nats.nkeySeedFile (NATS_NKEY_SEED_FILE) = "/nowhere/seed": no such file',
    );
    expect(load({ NATS_TLS_CA_FILE: '/nowhere/ca.pem' })).toThrow('nats.tls.caFile (NATS_TLS_CA_FILE) = "/nowhere/ca.pem": no such file');
    expect(load({ NATS_TLS_CA_FILE: dir })).toThrow('nats.tls.caFile (NATS_TLS_CA_FILE) = ' + JSON.stringify(dir) + ': is not a file');
    expect(load({ CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_TLS_CA_FILE: '/nowhere/ca.pem' })).toThrow(
      'clickhouse.tlsCaFile (CLICKHOUSE_TLS_CA_FILE)',
    );
  });
  it('a client certificate needs its key, and a ClickHouse CA an https URL', () => {
    expect(load({ NATS_TLS_CERT_FILE: pem })).toThrow('NATS_TLS_CERT_FILE) and nats.tls.keyFile (NATS_TLS_KEY_FILE) go together');
    expect(load({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_TLS_CA_FILE: pem })).toThrow('is not an https:// URL');
    expect(
      loadConfig({ env: { NATS_URL: 'tls://nats:4222', NATS_TLS_CA_FILE: pem, NATS_TLS_CERT_FILE: pem, NATS_TLS_KEY_FILE: pem } }).nats.tls
        .caFile,
    ).toBe(pem);
  });
});

describe('limits that protect data', () => {
  it('refuses ClickHouse system databases', () => {
    for (const db of ['system', 'INFORMATION_SCHEMA', 'information_schema']) {
      expect(load({ CLICKHOUSE_DATABASE: db })).toThrow(
        `clickhouse.database (CLICKHOUSE_DATABASE) = "${db}": must not be a ClickHouse system database`,
      );
    }
    expect(loadConfig({ env: { CLICKHOUSE_DATABASE: 'systems' } }).clickhouse.database).toBe('systems');
  });
  it('bounds RETENTION_DAYS so the TTL date cannot pass 2106 and wrap', () => {
    expect(load({ RETENTION_DAYS: '36500' })).toThrow(
      'clickhouse.retentionDays (RETENTION_DAYS) = 36500: must be a whole number of days from 1 to 3650',
    );
    expect(load({ RETENTION_DAYS: '0' })).toThrow('RETENTION_DAYS');
    expect(loadConfig({ env: { RETENTION_DAYS: '3650' } }).clickhouse.retentionDays).toBe(3650);
    // Why 3650: a row stamped in January 2096 still expires before DateTime ends (2106-02-07).
    expect(Date.parse('2096-01-31T00:00:00Z') + 3650 * 86_400_000).toBeLessThan(Date.parse('2106-02-07T06:28:15Z'));
  });
  it('masks credentials inside URLs in the printed configuration', () => {
    const shown = JSON.stringify(
      describeConfig(
        loadConfig({
          env: { NATS_URL: 'nats://alice:s3cret@a:4222,nats://alice:s3cret@b:4222', CLICKHOUSE_URL: 'https://u:chpw@ch:8443' },
        }),
      ),
    );
    expect(shown).not.toMatch(/s3cret|chpw/);
    expect(shown).toContain('nats://alice:***@a:4222,nats://alice:***@b:4222');
    expect(shown).toContain('https://u:***@ch:8443');
  });
});
