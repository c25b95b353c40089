import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { readSource } from './read-query.js';

describe('where the read routes read', () => {
  it('has nothing to read on the embedded engine outside the worker holding it, and says why', () => {
    const source = readSource(loadConfig({ env: {} }).clickhouse);
    expect(source).toEqual({ ok: false, reason: expect.stringContaining('the read routes need CLICKHOUSE_URL') });
  });

  it('opens its own client over HTTP at the first read, naming the server without its password, and tries again at the next', async () => {
    const config = loadConfig({
      env: { CLICKHOUSE_URL: 'http://reader:hunter2@127.0.0.1:1', CLICKHOUSE_REQUEST_TIMEOUT_MS: '2000' },
    }).clickhouse;
    const source = readSource(config);
    if (!source.ok) throw new Error(source.reason);
    for (let attempt = 0; attempt < 2; attempt++) {
      const failure = await source.query('SELECT 1', {}).then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/^cannot reach ClickHouse at http:\/\/reader:\*+@127\.0\.0\.1:1\/? \(CLICKHOUSE_URL\)/);
      expect(failure).not.toContain('hunter2');
    }
    await source.close();
  });
});
