import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { migrate } from '../../src/sinks/clickhouse/migrations.js';
import { ANALYST_QUERY_LIMITS, type QueryLimits } from '../../src/sinks/clickhouse/read-only-query.js';
import { runQuery } from '../../src/cli/query.js';

/**
 * `sift query` without --write, probed beyond read-only-query.test.ts: other table function
 * families, other statement kinds, quoted and cased names, and statements that run for ever.
 */
describe('read-only queries under attack (embedded engine)', () => {
  const id = randomBytes(4).toString('hex');
  const db = `sift_qa_${id}`;
  const other = `other_${id}`;
  let dir: string;
  let clickhouse: ClickHouseClient;

  async function analyst(sql: string, limits: QueryLimits = ANALYST_QUERY_LIMITS): Promise<string> {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    await runQuery(clickhouse, sql, { format: 'TSV', write: false, database: db, limits }, out);
    return Buffer.concat(chunks).toString('utf8');
  }
  const failure = (sql: string, limits?: QueryLimits) =>
    analyst(sql, limits).then(
      (output) => `ran and printed ${JSON.stringify(output.slice(0, 200))}`,
      (e: Error) => e.message,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sift-qa-'));
    const config = loadConfig({ env: { CLICKHOUSE_URL: '', CLICKHOUSE_EMBEDDED_PATH: dir, CLICKHOUSE_DATABASE: db, NODE_ENV: undefined } });
    clickhouse = await createClickHouse(config.clickhouse, { useDatabase: false });
    await migrate(clickhouse, { database: db, retentionDays: 3650 });
    await clickhouse.command({ query: `CREATE DATABASE ${other}` });
    await clickhouse.command({ query: `CREATE TABLE ${other}.secret (v String) ENGINE = MergeTree ORDER BY v` });
    await clickhouse.command({ query: `USE ${db}` });
  });
  afterAll(async () => {
    await clickhouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every other table function family, wherever the statement puts it', async () => {
    for (const sql of [
      "SELECT * FROM merge(currentDatabase(), '')",
      'SELECT * FROM loop(numbers(1)) LIMIT 1',
      `SELECT * FROM mergeTreeIndex(${db}, heartbeats)`,
      "SELECT * FROM viewExplain('EXPLAIN', '', (SELECT 1))",
      `SELECT * FROM viewIfPermitted(SELECT * FROM ${other}.secret ELSE null('v String'))`,
      'SELECT * FROM fuzzJSON(\'{"a":1}\') LIMIT 1',
      "SELECT * FROM input('a String')",
      "SELECT * FROM urlCluster('default', 'http://127.0.0.1:1/x', 'JSONEachRow')",
      "SELECT * FROM azureBlobStorage('http://127.0.0.1:1', 'c', 'b')",
      "SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', 'TSV', 'a String')",
      "SELECT * FROM icebergLocal('/tmp')",
      "SELECT * FROM deltaLakeLocal('/tmp')",
      "SELECT * FROM dictionary('x')",
      "SELECT * FROM remoteSecure('127.0.0.1', 'system.one')",
      "SELECT * FROM executable('ls', 'TSV', 'a String')",
      "SELECT 1 INTERSECT SELECT * FROM file('/etc/passwd')",
      "EXPLAIN ESTIMATE SELECT * FROM file('/etc/passwd', 'LineAsString')",
    ]) {
      expect(await failure(sql), sql).toMatch(/^refused: [^\n]*\(\) /);
    }
  });

  it('refuses statements that are not reads, and names outside the database however they are quoted or cased', async () => {
    for (const sql of [
      'WATCH heartbeats',
      "BACKUP TABLE heartbeats TO Disk('default', 'b.zip')",
      'CHECK TABLE heartbeats',
      'OPTIMIZE TABLE heartbeats',
      'KILL QUERY WHERE 1',
      'WITH x AS (SELECT 1) INSERT INTO heartbeats SELECT * FROM x',
    ]) {
      expect(await failure(sql), sql).toContain('is not a read allowed here');
    }
    for (const sql of [
      `SELECT v FROM \`${other}\`.\`secret\``,
      `SELECT * FROM "${other}"."secret"`,
      `SELECT count() FROM \`${other}.secret\``,
      `SELECT 'x' IN (${other}.secret)`,
      'SELECT * FROM `system`.processes',
      'SELECT * FROM SYSTEM.PROCESSES',
      'SELECT * FROM system.numbers, system.processes',
    ]) {
      expect(await failure(sql), sql).toMatch(/^refused: /);
    }
  });

  it('holds the time limit on statements that never end, EXPLAIN and DESCRIBE of scalar subqueries included', async () => {
    const limits = { ...ANALYST_QUERY_LIMITS, maxExecutionTimeS: 1 };
    for (const sql of [
      'SELECT count() FROM system.numbers',
      'EXPLAIN SELECT (SELECT count() FROM numbers_mt(1e13))',
      'EXPLAIN ESTIMATE SELECT (SELECT count() FROM numbers_mt(1e13))',
      'DESCRIBE (SELECT (SELECT count() FROM numbers_mt(1e13)) AS x)',
    ]) {
      const started = Date.now();
      expect(await failure(sql, limits), sql).toMatch(/Timeout exceeded/);
      expect(Date.now() - started, sql).toBeLessThan(10_000);
    }
  });
});
