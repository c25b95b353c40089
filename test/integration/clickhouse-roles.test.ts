import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { loadConfig } from '../../src/config/load.js';
import { packageRoot } from '../../src/package-root.js';
import { ANALYST_QUERY_LIMITS } from '../../src/sinks/clickhouse/read-only-query.js';

/** The statements of a SQL file: comment lines dropped, split at semicolons (the file has none in strings). */
function statements(path: string): string[] {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return text
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/**
 * The embedded engine parses access-control statements but refuses to run them (its default user
 * has no access management and there is no user directory), so the file is checked by parsing
 * every statement with the real ClickHouse parser.
 */
describe('deploy/clickhouse/roles.sql', () => {
  let dir: string;
  let clickhouse: ClickHouseClient;
  const sql = statements(join(packageRoot, 'deploy/clickhouse/roles.sql'));
  const format = async (query: string) => {
    const result = await clickhouse.query({
      query: 'SELECT formatQuery({q:String}) AS f',
      query_params: { q: query },
      format: 'JSONEachRow',
    });
    return ((await result.json()) as Array<{ f: string }>)[0]!.f;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sift-roles-'));
    const config = loadConfig({ env: { CLICKHOUSE_URL: '', CLICKHOUSE_EMBEDDED_PATH: dir, NODE_ENV: undefined } });
    clickhouse = await createClickHouse(config.clickhouse, { useDatabase: false });
  });
  afterAll(async () => {
    await clickhouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every statement parses', async () => {
    expect(sql.length).toBe(11);
    for (const statement of sql)
      expect(await format(statement), statement).toMatch(/^(CREATE|GRANT|ALTER) (ROLE|USER|INSERT|SELECT|SETTINGS PROFILE|QUOTA|sift)/);
  });

  it('a malformed statement does not (the check can fail)', async () => {
    await expect(format('GRANT INSERT SELECT ON telemetry.* TO sift_writer')).rejects.toThrow(/Syntax error/);
  });

  it('the writer may insert and read, the analyst only read; neither gets DDL', async () => {
    const grants = await Promise.all(sql.filter((s) => s.startsWith('GRANT') && s.includes(' ON ')).map(format));
    expect(grants).toEqual(['GRANT INSERT, SELECT ON telemetry.* TO sift_writer', 'GRANT SELECT ON telemetry.* TO sift_analyst']);
    for (const grant of grants) expect(grant).not.toMatch(/CREATE|ALTER|DROP|TRUNCATE|ALL/);
    expect(sql.filter((s) => s.includes('IDENTIFIED')).every((s) => s.includes("BY 'REPLACE_ME'"))).toBe(true);
  });

  it('grants no source (FILE, URL, REMOTE, S3, …), no dictGet and nothing outside the Sift database', async () => {
    const grants = await Promise.all(sql.filter((s) => s.startsWith('GRANT')).map(format));
    for (const grant of grants) {
      expect(grant).not.toMatch(/\b(FILE|URL|REMOTE|S3|HDFS|AZURE|MYSQL|POSTGRES|ODBC|JDBC|MONGO|REDIS|SQLITE|SOURCES|dictGet|ALL)\b/i);
      if (grant.includes(' ON ')) expect(grant).toMatch(/ ON telemetry\.\* TO /);
    }
  });

  it("the analyst runs under readonly = 2, a time and memory ceiling, and a quota; sift query's own limits fit under them", async () => {
    const profile = await format(sql.find((s) => s.startsWith('CREATE SETTINGS PROFILE'))!);
    expect(profile).toMatch(/ SETTINGS readonly = 2, /);
    expect(profile).toMatch(/ TO sift_analyst$/);
    const ceiling = (setting: string) => Number(new RegExp(`${setting} = \\d+ MAX (\\d+)`).exec(profile)?.[1]);
    // Over HTTP sift query sends its limits with every query: above a MAX the server would refuse them.
    expect(ANALYST_QUERY_LIMITS.maxExecutionTimeS).toBeLessThanOrEqual(ceiling('max_execution_time'));
    expect(ANALYST_QUERY_LIMITS.maxMemoryBytes).toBeLessThanOrEqual(ceiling('max_memory_usage'));
    const quota = await format(sql.find((s) => s.startsWith('CREATE QUOTA'))!);
    expect(quota).toMatch(/KEYED BY user_name FOR INTERVAL 1 hour MAX queries = \d+.* TO sift_analyst$/);
    expect(await format(sql.find((s) => s.includes('CREATE USER IF NOT EXISTS sift_analyst_user'))!)).toContain(
      'SETTINGS PROFILE `sift_analyst_profile`',
    );
  });

  it('every setting of the profile is one the engine knows (a typo would fail the whole file)', async () => {
    const profile = await format(sql.find((s) => s.startsWith('CREATE SETTINGS PROFILE'))!);
    const names = [...profile.matchAll(/(\w+) = \d+/g)].map((m) => m[1]!);
    const known = await clickhouse.query({
      query: 'SELECT name FROM system.settings WHERE name IN {names:Array(String)}',
      query_params: { names },
      format: 'JSONEachRow',
    });
    expect(((await known.json()) as Array<{ name: string }>).map((r) => r.name).sort()).toEqual([...new Set(names)].sort());
  });
});
