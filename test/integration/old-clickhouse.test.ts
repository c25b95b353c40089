import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianClickHouseBinary, startOldClickHouse, type OldClickHouse } from '../helpers/old-clickhouse.js';
import { sift } from '../helpers/cli.js';

const binary = debianClickHouseBinary();
if (!binary) console.warn('no clickhouse-server here: the old-server test is skipped (apt-get install clickhouse-server, as .ci/run does)');

/** Debian's clickhouse-server 18.16 over HTTP: far older than Sift needs. */
describe.skipIf(!binary)('an old ClickHouse server', () => {
  let server: OldClickHouse;
  beforeAll(async () => {
    server = await startOldClickHouse(binary!);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const env = () => ({ CLICKHOUSE_URL: server.url, NODE_ENV: '', LOG_LEVEL: 'info' });
  const refusal = (url: string) =>
    new RegExp(
      `^sift: ClickHouse at ${url.replace(/[.:/]/g, '\\$&')} is version 18\\.16\\.\\d+; Sift needs 24\\.8 or newer\\. It lacks what these releases added: 19\\.11 query parameters .*22\\.2 insert_deduplication_token`,
    );

  for (const args of [['migrate'], ['migrate', '--dry-run'], ['query', 'SELECT 1']]) {
    it(`sift ${args.join(' ')} is refused in one line naming both versions, with no library line before it`, async () => {
      const result = await sift(args, env()).done;
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(refusal(server.url));
      expect(result.stderr).not.toContain('param_db');
      expect(result.stdout).toBe('');
    });
  }
});
