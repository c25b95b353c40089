import { describe, expect, it } from 'vitest';
import { editDistance, misspelledEnv, schemaEnvNames, unknownEnv, unknownEnvLine } from './env-typos.js';

describe('misspelled environment variables', () => {
  it('reads every env name from the schema', () => {
    const names = schemaEnvNames();
    expect(names).toContain('NATS_URL');
    expect(names).toContain('PARTITIONS');
    expect(names).toContain('CLICKHOUSE_URL');
    expect(new Set(names).size).toBe(names.length);
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('NATS_ULR', 'NATS_URL')).toBe(1);
    expect(editDistance('PARTITION', 'PARTITIONS')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
  });

  it('names the key a near miss resembles', () => {
    expect(misspelledEnv({ PARTITION: '4', NATS_ULR: 'nats://x:4222', CLICKHOUSE_DATABSE: 'x', BATCH_MAX_ROW: '5' })).toEqual([
      { name: 'PARTITION', resembles: 'PARTITIONS' },
      { name: 'NATS_ULR', resembles: 'NATS_URL' },
      { name: 'CLICKHOUSE_DATABSE', resembles: 'CLICKHOUSE_DATABASE' },
      { name: 'BATCH_MAX_ROW', resembles: 'BATCH_MAX_ROWS' },
    ]);
  });

  it("leaves Sift keys and other programs' variables alone", () => {
    expect(
      misspelledEnv({
        NATS_URL: 'x',
        PARTITIONS: '4',
        PATH: '/bin',
        HOME: '/root',
        NODE_ENV: 'test',
        HOSTNAME: 'h',
        TERM: 'xterm',
        LANG: 'C',
        npm_config_cache: 'x',
        SHLVL: '1',
        OLDPWD: '/',
      }),
    ).toEqual([]);
  });
});

describe('unknown NATS_*, CLICKHOUSE_* and SIFT_* variables', () => {
  it('names every one, with the setting it most likely meant', () => {
    expect(
      unknownEnv({
        CLICKHOUSE_HOST: 'ch',
        CLICKHOUSE_DB: 'x',
        CLICKHOUSE_USERNAME: 'u',
        NATS_CONTEXT: 'prod',
        SIFT_MODE: 'fast',
        CLICKHOUSE_PASWORD: 'p',
      }),
    ).toEqual([
      { name: 'CLICKHOUSE_HOST', resembles: 'CLICKHOUSE_URL' },
      { name: 'CLICKHOUSE_DB', resembles: 'CLICKHOUSE_DATABASE' },
      { name: 'CLICKHOUSE_USERNAME', resembles: 'CLICKHOUSE_USER' },
      { name: 'NATS_CONTEXT' },
      { name: 'SIFT_MODE' },
      { name: 'CLICKHOUSE_PASWORD', resembles: 'CLICKHOUSE_PASSWORD' },
    ]);
  });

  it('still names a near miss without one of the prefixes', () => {
    expect(unknownEnv({ PARTITION: '4', PATH: '/bin' })).toEqual([{ name: 'PARTITION', resembles: 'PARTITIONS' }]);
  });

  it("knows the NATS CLI aliases, the secrets' _FILE variants and the variables Sift reads directly", () => {
    expect(
      unknownEnv({
        NATS_CA: 'a',
        NATS_CERT: 'b',
        NATS_KEY: 'c',
        NATS_NKEY: 'd',
        NATS_PASSWORD_FILE: 'f',
        CLICKHOUSE_PASSWORD_FILE: 'f',
        NATS_SERVER_BIN: 'x',
        SIFT_GIT_SHA: 'abc',
        NATS_URL: 'x',
      }),
    ).toEqual([]);
  });

  it("leaves Kubernetes' service variables alone (a Service named nats, clickhouse or sift)", () => {
    expect(
      unknownEnv({
        NATS_SERVICE_HOST: '10.0.0.5',
        NATS_SERVICE_PORT: '4222',
        NATS_SERVICE_PORT_CLIENT: '4222',
        NATS_PORT: 'tcp://10.0.0.5:4222',
        NATS_PORT_4222_TCP: 'tcp://10.0.0.5:4222',
        NATS_PORT_4222_TCP_ADDR: '10.0.0.5',
        NATS_PORT_4222_TCP_PORT: '4222',
        NATS_PORT_4222_TCP_PROTO: 'tcp',
        CLICKHOUSE_SERVICE_HOST: '10.0.0.6',
        CLICKHOUSE_PORT: 'tcp://10.0.0.6:8123',
        SIFT_SERVICE_HOST: '10.0.0.7',
      }),
    ).toEqual([]);
    // A plain port number is someone's setting, not a service link.
    expect(unknownEnv({ CLICKHOUSE_PORT: '8123' })).toEqual([{ name: 'CLICKHOUSE_PORT', resembles: 'CLICKHOUSE_URL' }]);
  });

  it('says it is ignored, in one line', () => {
    expect(unknownEnvLine({ name: 'CLICKHOUSE_DB', resembles: 'CLICKHOUSE_DATABASE' })).toBe(
      'environment variable CLICKHOUSE_DB is not a Sift setting; did you mean CLICKHOUSE_DATABASE?',
    );
    expect(unknownEnvLine({ name: 'NATS_CONTEXT' })).toMatch(/^environment variable NATS_CONTEXT is not a Sift setting and is ignored \(/);
  });
});
