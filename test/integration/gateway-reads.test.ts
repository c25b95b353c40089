import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { call, createKey, gatewayConfig } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';

const SHOP = 'https://shop.example.com';
const request = (endpoint: string, status: number, duration_ms: number) => ({ method: 'GET', endpoint, status, duration_ms });

/**
 * The read routes and the status page as a worker serves them (GATEWAY_ENABLED): they read the
 * worker's own embedded engine, and the worker goes on storing after they did.
 */
describe('read routes served by a worker (GATEWAY_ENABLED)', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let url: string;
  let db: string;
  const secrets: Record<string, string> = {};
  const as = (name: string) => ({ authorization: `Bearer ${secrets[name]}` });
  const stored = async (table: string) => (await rows<{ n: number }>(worker.clickhouse, `SELECT count() AS n FROM ${db}.${table}`))[0]!.n;

  beforeAll(async () => {
    t = await siftTestEnv();
    db = t.config.clickhouse.database;
    secrets.reader = await createKey(t, { name: 'reader', kinds: ['api'], read: true });
    secrets.writer = await createKey(t, { name: 'writer', kinds: ['api'] });
    secrets.browser = await createKey(t, { name: 'browser', origins: [SHOP] });
    worker = await Worker.start(gatewayConfig(t, { GATEWAY_ENABLED: 'true', GATEWAY_QUERY_CACHE_TTL_MS: '0' }), testLogger);
    url = `http://127.0.0.1:${worker.gateway!.port}`;
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('answers api-performance from what the worker stored, for a read key only', async () => {
    const posted = await call(`${url}/v1/events/api/shop`, {
      headers: as('writer'),
      json: [request('/items', 200, 40), request('/items', 200, 60), request('/items', 503, 900)],
    });
    expect(posted.body).toEqual({ accepted: 3, rejected: [] });
    await until(async () => (await stored('api_requests')) === 3, 'the worker stored the requests');

    const read = await call(`${url}/api/v1/metrics/api-performance?hours=1`, { headers: as('reader') });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject([{ service: 'shop', endpoint: '/items', method: 'GET', requests: 3, errors_5xx: 1 }]);
    expect(read.body.data).toEqual(
      await analystRows(
        worker.clickhouse,
        db,
        "SELECT * FROM api_performance(hours = 1, endpoint = '') ORDER BY service, endpoint, method",
      ),
    );

    const written = await call(`${url}/api/v1/metrics/api-performance?hours=1`, { headers: as('writer') });
    expect(written.status).toBe(403);
    expect(written.body.error).toBe('no_read_rights');
    // A browser key may never read, from its own page or anywhere else.
    for (const headers of [{ ...as('browser'), origin: SHOP }, as('browser')]) {
      const browser = await call(`${url}/api/v1/metrics/api-performance?hours=1`, { headers });
      expect(browser.status).toBe(403);
      expect(browser.body.error).toBe('no_read_rights');
    }
    expect((await call(`${url}/api/v1/metrics/api-performance?hours=1&key=${secrets.browser}`)).status).toBe(403);
    expect((await call(`${url}/api/v1/metrics/api-performance?hours=1`)).status).toBe(401);
  });

  it('leaves the shared engine writable: the worker stores what comes after the reads', async () => {
    // Every route once, so each fixed statement has run through the worker's own session.
    for (const path of [
      '/metrics/summary',
      '/metrics/services/health',
      '/metrics/dashboard',
      '/health/detailed',
      '/api/status',
      '/api/status/analytics',
      '/api/status/api-status',
      '/api/v1/metrics/job-outcomes',
      '/api/v1/metrics/error-trends',
      '/api/v1/metrics/device-state-history/dev-1?hours=720',
    ]) {
      expect((await call(`${url}${path}`, { headers: as('reader') })).status, path).toBe(200);
    }
    const posted = await call(`${url}/v1/events/api/shop`, {
      headers: as('writer'),
      json: [request('/cart', 201, 30), request('/cart', 201, 35)],
    });
    expect(posted.body).toEqual({ accepted: 2, rejected: [] });
    await until(async () => (await stored('api_requests')) === 5, 'the worker stored the requests posted after the reads');
    expect(worker.readiness().checks.inserts_succeeding).toBe(true);
    const read = await call(`${url}/api/v1/metrics/api-performance?hours=1&endpoint=/cart`, { headers: as('reader') });
    expect(read.body.data).toMatchObject([{ service: 'shop', endpoint: '/cart', requests: 2 }]);
  });

  it("/health/detailed has the worker's backlog, dead letters and partitions; /status is the page", async () => {
    await t.publish('telemetry.api.shop', '{"broken":');
    await until(async () => {
      const health = await call(`${url}/health/detailed`, { headers: as('reader') });
      return health.body.checks?.worker?.dead_letters === 1;
    }, 'the dead letter is counted');
    await worker.untilIdle();
    const health = await call(`${url}/health/detailed`, { headers: as('reader') });
    expect(health.status).toBe(200);
    expect(health.body.checks.worker).toEqual({ status: 'healthy', backlog: 0, dead_letters: 1, partitions: 4 });
    expect(health.body.checks.database.status).toBe('healthy');

    const page = await call(`${url}/status`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('<html');
  });
});
