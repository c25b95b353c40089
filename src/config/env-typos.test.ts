import { describe, expect, it } from 'vitest';
import { editDistance, misspelledEnv, schemaEnvNames } from './env-typos.js';

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

  it('leaves Sift keys and other programs\' variables alone', () => {
    expect(misspelledEnv({ NATS_URL: 'x', PARTITIONS: '4', PATH: '/bin', HOME: '/root', NODE_ENV: 'test', HOSTNAME: 'h', TERM: 'xterm', LANG: 'C', npm_config_cache: 'x', SHLVL: '1', OLDPWD: '/' })).toEqual([]);
  });
});
