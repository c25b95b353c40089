import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { configTable, CONFIG_TABLE_END, CONFIG_TABLE_START } from './docs.js';

describe('the configuration reference (docs/configuration.md)', () => {
  it('is the table the schema gives (npm run schemas rewrites it)', () => {
    const reference = readFileSync(join(packageRoot, 'docs/configuration.md'), 'utf8');
    const inside = reference
      .slice(reference.indexOf(CONFIG_TABLE_START) + CONFIG_TABLE_START.length, reference.indexOf(CONFIG_TABLE_END))
      .trim();
    expect(inside).toBe(configTable());
  });

  it('lists every environment variable operators set', () => {
    const table = configTable();
    for (const env of [
      'NATS_URL',
      'NATS_USER',
      'NATS_PASSWORD',
      'NATS_TOKEN',
      'NATS_CREDS',
      'STREAM_NAME',
      'SUBJECT_PREFIX',
      'PARTITIONS',
      'CLICKHOUSE_URL',
      'CLICKHOUSE_USER',
      'CLICKHOUSE_PASSWORD',
      'CLICKHOUSE_DATABASE',
      'CLICKHOUSE_EMBEDDED_PATH',
      'BATCH_MAX_ROWS',
      'BATCH_MAX_BYTES',
      'BATCH_MAX_WAIT_MS',
      'FILTER_SNAPSHOT_INTERVAL_S',
      'FILTER_CHANGE_THRESHOLD',
      'RETENTION_DAYS',
      'METRICS_PORT',
      'LOG_LEVEL',
    ]) {
      expect(table).toContain(`\`${env}\``);
    }
  });
});
