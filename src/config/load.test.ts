import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import convict from 'convict';
import { readFileSync } from 'node:fs';
import { packageRoot } from '../package-root.js';
import { schema } from './schema.js';
import { ConfigError, describeConfig, loadConfig } from './load.js';

const load = (env: NodeJS.ProcessEnv, file?: string) => loadConfig({ env, file });

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = load({});
    expect(c.nats.url).toBe('nats://127.0.0.1:4222');
    expect(c.nats.stream).toBe('TELEMETRY');
    expect(c.nats.subjectPrefix).toBe('telemetry');
    expect(c.nats.partitions).toBe(16);
    expect(c.clickhouse.url).toBe('');
    expect(c.clickhouse.database).toBe('telemetry');
    expect(c.clickhouse.embeddedPath).toBe('./data/clickhouse');
    expect(c.filter.snapshotIntervalS).toBe(300);
    expect(c.filter.changeThreshold).toBe(0.05);
    expect(c.clickhouse.retentionDays).toBe(90);
    expect(c.telemetry.metricsPort).toBe(9464);
    expect(c.eventTime).toEqual({ maxPastS: 90 * 86_400, maxFutureS: 86_400 });
    expect(c.filter.maxTracked).toBe(1_000_000);
  });

  it('follows RETENTION_DAYS with the past window unless it is set', () => {
    expect(load({ RETENTION_DAYS: '30' }).eventTime.maxPastS).toBe(2_592_000);
    expect(load({}).eventTime.maxPastS).toBe(90 * 86_400);
  });

  it('accepts a shorter retention with a window inside it', () => {
    expect(load({ RETENTION_DAYS: '30', EVENT_TIME_MAX_PAST_S: String(30 * 86_400) }).eventTime.maxPastS).toBe(2_592_000);
  });

  it('config/default.json states exactly the schema defaults', () => {
    const fromSchema = convict(schema, { env: {}, args: [] }).getProperties();
    expect(JSON.parse(readFileSync(join(packageRoot, 'config', 'default.json'), 'utf8'))).toEqual(fromSchema);
  });

  it('reads the environment variables', () => {
    const c = load({
      NATS_URL: 'nats://a:1,nats://b:2',
      PARTITIONS: '8',
      FILTER_CHANGE_THRESHOLD: '0.1',
      FILTER_STORE: 'changed',
      BATCH_MAX_ROWS: '500',
    });
    expect(c.nats.url).toBe('nats://a:1,nats://b:2');
    expect(c.nats.partitions).toBe(8);
    expect(c.filter.changeThreshold).toBe(0.1);
    expect(c.filter.store).toBe('changed');
    expect(c.batch.maxRows).toBe(500);
  });

  it.each([
    [{ PARTITIONS: '0' }, 'nats.partitions (PARTITIONS) = "0": must be a whole number ≥ 1'],
    [{ BATCH_MAX_WAIT_MS: 'soon' }, 'batch.maxWaitMs (BATCH_MAX_WAIT_MS) = "soon": must be a whole number ≥ 1'],
    [{ FILTER_CHANGE_THRESHOLD: '5' }, 'filter.changeThreshold (FILTER_CHANGE_THRESHOLD) = 5: must be a number between 0 and 1'],
    [{ CLICKHOUSE_URL: 'ftp://x' }, 'clickhouse.url (CLICKHOUSE_URL) = "ftp://x": must be empty'],
    [{ NATS_URL: 'http://x' }, 'nats.url (NATS_URL) = "http://x": must be nats://host:port'],
    [{ LOG_LEVEL: 'loud' }, 'telemetry.logLevel (LOG_LEVEL) = "loud": must be one of'],
    [{ FILTER_OVERRIDES: '[{"match":"a","relative":0.1,"absolute":1}]' }, 'entry 0 needs exactly one of "relative" or "absolute"'],
    [{ BATCH_MAX_ROWS: '200000' }, 'must be larger than batch.maxRows (BATCH_MAX_ROWS) = 200000'],
    [
      { RETENTION_DAYS: '30', EVENT_TIME_MAX_PAST_S: '7776000' },
      'eventTime.maxPastS (EVENT_TIME_MAX_PAST_S) = 7776000: must be at most clickhouse.retentionDays (RETENTION_DAYS) = 30 days = 2592000 s',
    ],
    [{ EVENT_TIME_MAX_PAST_S: '7776001' }, 'eventTime.maxPastS (EVENT_TIME_MAX_PAST_S) = 7776001: must be at most'],
    [{ EVENT_TIME_MAX_FUTURE_S: '0' }, 'eventTime.maxFutureS (EVENT_TIME_MAX_FUTURE_S) = "0": must be a whole number ≥ 1'],
    [{ FILTER_MAX_TRACKED: '-5' }, 'filter.maxTracked (FILTER_MAX_TRACKED) = -5: must be a whole number ≥ 1'],
  ])('rejects %j naming key, value and rule', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('never shows a secret, in errors or in the printed configuration', () => {
    let error: unknown;
    try {
      load({ NATS_PASSWORD: 'hunter2', PARTITIONS: 'x' });
    } catch (e) {
      error = e;
    }
    expect(String(error)).not.toContain('hunter2');
    const printed = JSON.stringify([
      describeConfig(load({ NATS_USER: 'u', NATS_PASSWORD: 'hunter2', CLICKHOUSE_PASSWORD: 'pw' })),
      describeConfig(load({ NATS_TOKEN: 'tok' })),
    ]);
    expect(printed).not.toMatch(/hunter2|"tok"|"pw"/);
  });

  it('layers a --config file under the environment and rejects unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sift-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ nats: { partitions: 4, stream: 'FROM_FILE' } }));
    expect(load({}, file).nats.partitions).toBe(4);
    expect(load({ PARTITIONS: '6' }, file).nats.partitions).toBe(6);
    writeFileSync(file, JSON.stringify({ nats: { partitons: 4 } }));
    expect(() => load({}, file)).toThrow(/nats.partitons/);
    expect(() => load({}, join(dir, 'missing.json'))).toThrow(/no such file/);
  });
});
