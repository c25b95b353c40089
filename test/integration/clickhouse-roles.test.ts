import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { loadConfig } from '../../src/config/load.js';
import { packageRoot } from '../../src/package-root.js';

/** The statements of a SQL file: comment lines dropped, split at semicolons (the file has none in strings). */
function statements(path: string): string[] {
  const text = readFileSync(path, 'utf8').split('\n').filter((line) => !line.trim().startsWith('--')).join('\n');
  return text.split(';').map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean);
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
    const result = await clickhouse.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: query }, format: 'JSONEachRow' });
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
    expect(sql.length).toBe(9);
    for (const statement of sql) expect(await format(statement), statement).toMatch(/^(CREATE|GRANT|ALTER) (ROLE|USER|INSERT|SELECT|sift)/);
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
});
