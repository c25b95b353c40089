import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type preHandlerHookHandler } from 'fastify';
import type { Browser } from 'playwright-core';
import { chromiumFor, launchChromium } from '../helpers/chromium.js';
import { loadConfig } from '../../src/config/load.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { migrate } from '../../src/sinks/clickhouse/migrations.js';
import { queryRoutes, type QueryDeps } from '../../src/gateway/queries/index.js';
import { HEALTH_THRESHOLDS } from '../../src/gateway/queries/metrics-service.js';
import { expectedActiveUsers, insertSeed, seedData } from '../helpers/query-seed.js';
import { guideQuery } from '../helpers/analyst-guide.js';

const hasChromium = chromiumFor("the status page's browser test");

const READ_KEY = 'read-key';
const WRITE_KEY = 'write-key';

/** The core's key check, reduced to a header: a read key reads, a write key gets 403, none 401. */
const requireRead: preHandlerHookHandler = async (request, reply) => {
  const auth = request.headers.authorization;
  if (auth === `Bearer ${READ_KEY}`) return;
  if (auth === `Bearer ${WRITE_KEY}`) return reply.code(403).send({ error: 'this key may not read' });
  return reply.code(401).send({ error: 'a key is required' });
};

describe('gateway read routes on the embedded engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sift-queries-'));
  const config = loadConfig({
    env: {
      CLICKHOUSE_URL: process.env.CLICKHOUSE_URL ?? '',
      CLICKHOUSE_EMBEDDED_PATH: join(dir, 'ch'),
      CLICKHOUSE_DATABASE: `sift_q_${randomBytes(3).toString('hex')}`,
    },
  });
  const db = config.clickhouse.database;
  const seed = seedData(Date.now());
  let client: ClickHouseClient;
  let queries = 0;
  let browser: Browser | undefined;
  const apps: FastifyInstance[] = [];

  /** Sift's read-only runner as the core binds it: readonly, a time limit, 64-bit integers as numbers. */
  const readOnly = async <T>(sql: string, params: Record<string, unknown>): Promise<T[]> =>
    (
      await client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { readonly: '2', max_execution_time: 10, output_format_json_quote_64bit_integers: 0 },
      })
    ).json<T>();
  /** A view's rows, asked directly (not through the routes, not counted). */
  const view = <T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}) => readOnly<T>(sql, params);

  async function gateway(extra: Partial<QueryDeps> = {}, cacheTtlMs?: number): Promise<FastifyInstance> {
    // Device ids may be longer than Fastify's default 100-character path parameter.
    const app = Fastify({ routerOptions: { maxParamLength: 1_000 } });
    const deps: QueryDeps = {
      query: async (sql, params) => {
        queries++;
        return readOnly(sql, params);
      },
      requireRead,
      ...extra,
    };
    await app.register(queryRoutes(deps, cacheTtlMs === undefined ? {} : { cacheTtlMs }));
    await app.ready();
    apps.push(app);
    return app;
  }
  let app: FastifyInstance;
  const get = async (url: string, key = READ_KEY) => {
    const res = await app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });
    return {
      status: res.statusCode,
      body: res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.body,
      headers: res.headers,
    };
  };

  beforeAll(async () => {
    client = await createClickHouse(config.clickhouse);
    await migrate(client, { database: db, retentionDays: 3650 });
    if (!process.env.CLICKHOUSE_URL) await client.command({ query: `USE ${db}` });
    await insertSeed(client, db, seed);
    app = await gateway({}, 0);
  });
  afterAll(async () => {
    await browser?.close();
    for (const a of apps) await a.close();
    await client?.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('HOMEPOT analytics: each answer is its view', () => {
    it('api-performance, all endpoints and one', async () => {
      const all = await get('/api/v1/metrics/api-performance?hours=24');
      expect(all.status).toBe(200);
      expect(all.body).toEqual({
        data: await view("SELECT * FROM api_performance(hours = 24, endpoint = '') ORDER BY service, endpoint, method"),
      });
      // billing's requests are 30 hours old: only a longer window holds them.
      expect(all.body.data.map((r: { endpoint: string }) => r.endpoint)).toEqual(['/login', '/me', '/items', '/orders']);
      const items = await get('/api/v1/metrics/api-performance?hours=1&endpoint=%2Fitems');
      expect(items.body.data).toEqual(await view("SELECT * FROM api_performance(hours = 1, endpoint = '/items')"));
      expect(items.body.data).toMatchObject([
        {
          service: 'shop',
          endpoint: '/items',
          method: 'GET',
          requests: 8,
          errors_4xx: 1,
          errors_5xx: 1,
          error_rate: 0.125,
          duration_max_ms: 80,
        },
      ]);
      expect((await get('/api/v1/metrics/api-performance?hours=168')).body.data).toHaveLength(5);
      // Defaults: 24 hours, every endpoint.
      expect((await get('/api/v1/metrics/api-performance')).body).toEqual(all.body);
    });

    it('job-outcomes, all types and one', async () => {
      const day = await get('/api/v1/metrics/job-outcomes?hours=24');
      expect(day.body).toEqual({ data: await view("SELECT * FROM job_outcome_stats(hours = 24, job_type = '') ORDER BY job_type") });
      expect(day.body.data).toMatchObject([
        { job_type: 'backup', jobs: 3, succeeded: 2, timed_out: 1 },
        { job_type: 'device_restart', jobs: 4, succeeded: 3, failed: 1, success_rate: 0.75 },
      ]);
      const week = await get('/api/v1/metrics/job-outcomes?hours=168&job_type=report');
      expect(week.body.data).toEqual(await view("SELECT * FROM job_outcome_stats(hours = 168, job_type = 'report')"));
      expect(week.body.data).toMatchObject([{ job_type: 'report', jobs: 1, success_rate: 1 }]);
    });

    it('error-trends, all categories and one', async () => {
      const day = await get('/api/v1/metrics/error-trends?hours=24');
      expect(day.body).toEqual({ data: await view("SELECT * FROM error_trends(hours = 24, category = '')") });
      const total = (rows: Array<{ errors: number }>) => rows.reduce((n, r) => n + r.errors, 0);
      expect(total(day.body.data)).toBe(6);
      const api = await get('/api/v1/metrics/error-trends?hours=24&category=api');
      expect(api.body.data).toEqual(await view("SELECT * FROM error_trends(hours = 24, category = 'api')"));
      expect(total(api.body.data)).toBe(4);
      expect(api.body.data.reduce((n: number, r: { critical: number }) => n + r.critical, 0)).toBe(1);
    });

    it('device-state-history, the last day and the last 30 days', async () => {
      const day = await get('/api/v1/metrics/device-state-history/dev-1');
      expect(day.body).toEqual({ data: await view("SELECT * FROM device_state_history(device_id = 'dev-1', hours = 24)") });
      expect(day.body.data.map((r: { state: string }) => r.state)).toEqual(['offline', 'online', 'offline']);
      const month = await get('/api/v1/metrics/device-state-history/dev-1?hours=720');
      expect(month.body.data.map((r: { store_reason: string }) => r.store_reason)).toEqual(['first_contact', 'change', 'change', 'change']);
      expect(month.body.data).toEqual(await view("SELECT * FROM device_state_history(device_id = 'dev-1', hours = 720)"));
      // A device id is a bound value, never SQL: a quote in it is just a device nobody has.
      expect((await get(`/api/v1/metrics/device-state-history/${encodeURIComponent("x' OR '1'='1")}?hours=720`)).body).toEqual({
        data: [],
      });
    });

    it('answers 400 naming the parameter and its range for a bad one', async () => {
      const cases: Array<[string, string]> = [
        ['/api/v1/metrics/api-performance?hours=0', 'hours must be an integer from 1 to 168'],
        ['/api/v1/metrics/api-performance?hours=169', 'hours must be an integer from 1 to 168'],
        ['/api/v1/metrics/api-performance?hours=abc', 'hours must be an integer from 1 to 168'],
        ['/api/v1/metrics/api-performance?hours=1.5', 'hours must be an integer from 1 to 168'],
        [`/api/v1/metrics/api-performance?endpoint=${'e'.repeat(257)}`, 'endpoint must be a string of at most 256 characters'],
        ['/api/v1/metrics/job-outcomes?hours=-3', 'hours must be an integer from 1 to 168'],
        [`/api/v1/metrics/job-outcomes?job_type=${'j'.repeat(300)}`, 'job_type must be a string of at most 256 characters'],
        ['/api/v1/metrics/error-trends?hours=1000', 'hours must be an integer from 1 to 168'],
        [`/api/v1/metrics/error-trends?category=${'c'.repeat(257)}`, 'category must be a string of at most 256 characters'],
        ['/api/v1/metrics/device-state-history/dev-1?hours=721', 'hours must be an integer from 1 to 720'],
        ['/api/v1/metrics/device-state-history/dev-1?hours=0', 'hours must be an integer from 1 to 720'],
        [`/api/v1/metrics/device-state-history/${'d'.repeat(257)}`, 'device_id must be a string of 1 to 256 characters'],
      ];
      const before = queries;
      for (const [url, message] of cases) {
        const res = await get(url);
        expect(res.status, url).toBe(400);
        expect(res.body.message, url).toBe(message);
      }
      expect(queries).toBe(before);
    });
  });

  describe('read and write keys kept apart', () => {
    it('a write key gets 403 and no key 401 on every read route; the page itself needs none', async () => {
      for (const url of [
        '/api/v1/metrics/api-performance',
        '/api/v1/metrics/job-outcomes',
        '/api/v1/metrics/error-trends',
        '/api/v1/metrics/device-state-history/dev-1',
        '/metrics/summary',
        '/metrics/services/health',
        '/metrics/dashboard',
        '/health',
        '/health/detailed',
        '/api/status',
        '/api/status/analytics',
        '/api/status/api-status',
      ]) {
        expect((await get(url, WRITE_KEY)).status, url).toBe(403);
        expect((await get(url, '')).status, url).toBe(401);
        expect((await get(url)).status, url).toBe(200);
      }
      const page = await get('/status', '');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'.*connect-src 'self'/);
    });
  });

  describe('metrics service', () => {
    it('summary: active users daily, weekly, monthly over every app, sessions now, requests, errors, registrations', async () => {
      const { body } = await get('/metrics/summary');
      expect(body.active_users).toEqual(expectedActiveUsers(seed));
      // s1, s2, s3 (web) and s5 (mobile); u1 is signed in on both apps and counts once.
      expect(body.active_sessions).toEqual({ sessions: 4, users: 2 });
      const [now] = await view<{ sessions: number }>('SELECT sum(sessions) AS sessions FROM active_sessions_now_v');
      expect(body.active_sessions.sessions).toBe(now!.sessions);
      expect(body.requests).toEqual({
        window_hours: 1,
        requests: 12,
        errors_5xx: 2,
        error_rate: 2 / 12,
        avg_response_time_ms: (360 + 120 + 900 + 3_000 + 3_200) / 12,
      });
      expect(body.errors).toEqual({ window_hours: 24, errors: 6, critical: 1 });
      expect(body.registrations).toEqual({ last_24h: 1, last_7d: 2, last_30d: 3, instances: 3 });
    });

    it("services/health: the guide's service health per service, with a status from the thresholds", async () => {
      const { body } = await get('/metrics/services/health');
      const guide = await view<{ service: string; requests: number; duration_avg_ms: number; error_rate: number }>(
        guideQuery('api_service_health'),
      );
      expect(
        body.services.map((s: { service: string; requests: number; avg_response_time_ms: number; error_rate: number }) => ({
          service: s.service,
          requests: s.requests,
          duration_avg_ms: s.avg_response_time_ms,
          error_rate: s.error_rate,
        })),
      ).toEqual(guide);
      expect(body.thresholds).toEqual(HEALTH_THRESHOLDS);
      // auth answers in 3.1 s on average: degraded; shop's 5xx rate is 2 in 10: unhealthy.
      expect(body.services.map((s: { service: string; status: string }) => [s.service, s.status])).toEqual([
        ['auth', 'degraded'],
        ['shop', 'unhealthy'],
      ]);
      expect(body.status).toBe('unhealthy');
    });

    it('dashboard: the same answers as the views', async () => {
      const { body } = await get('/metrics/dashboard');
      expect(body.active_users).toEqual(expectedActiveUsers(seed));
      expect(body.apps).toEqual(await view('SELECT app, dau, wau, mau FROM active_users_v WHERE day = today() ORDER BY app'));
      expect(body.api.top_endpoints).toEqual(
        await view(
          "SELECT service, endpoint, method, requests, errors_5xx, error_rate, duration_avg_ms, duration_p95_ms FROM api_performance(hours = 24, endpoint = '') ORDER BY requests DESC, service, endpoint, method LIMIT 10",
        ),
      );
      const hourly = await view<{ bucket: string; service: string; requests: number }>(
        'SELECT bucket, service, sum(requests) AS requests FROM api_requests_hourly_v WHERE bucket >= toStartOfHour(now() - INTERVAL 24 HOUR) GROUP BY bucket, service ORDER BY service, bucket',
      );
      expect(
        body.api.services_hourly.map((r: { bucket: string; service: string; requests: number }) => ({
          bucket: r.bucket,
          service: r.service,
          requests: r.requests,
        })),
      ).toEqual(hourly);
      expect(body.errors_by_category).toEqual([
        { category: 'api', errors: 4, critical: 1 },
        { category: 'database', errors: 2, critical: 0 },
      ]);
      expect(body.jobs).toEqual(
        await view(
          "SELECT job_type, jobs, succeeded, failed, timed_out, cancelled, success_rate, duration_avg_ms FROM job_outcome_stats(hours = 24, job_type = '') ORDER BY job_type",
        ),
      );
      expect(body.features).toEqual([
        { app: 'web', feature: 'export', events: 5 },
        { app: 'web', feature: 'search', events: 3 },
      ]);
      expect(body.silent_instances).toEqual(await view(`${guideQuery('silent_instances')} LIMIT 100`));
      expect(body.silent_instances.map((i: { instance_id: string }) => i.instance_id)).toEqual(['inst-c', 'inst-b']);
      expect(body.device_states).toEqual([
        { state: 'online', devices: 2 },
        { state: 'maintenance', devices: 1 },
        { state: 'offline', devices: 1 },
      ]);
    });

    it('health: basic without a query; detailed with ClickHouse, freshness and the worker when there is one', async () => {
      const before = queries;
      expect((await get('/health')).body).toMatchObject({ status: 'healthy', service: 'sift' });
      expect(queries).toBe(before);
      const standalone = await get('/health/detailed');
      expect(standalone.status).toBe(200);
      expect(standalone.body.checks.worker).toBeUndefined();
      expect(standalone.body.checks.database.status).toBe('healthy');
      expect(
        Object.fromEntries(
          standalone.body.checks.database.freshness.map((f: { kind: string; latest: string | null }) => [f.kind, f.latest !== null]),
        ),
      ).toEqual({ api: true, job: true, error: true, usage: true, metrics: false, activity: true, heartbeat: true });
      const inWorker = await gateway({ workerStatus: async () => ({ backlog: 1_234, deadLetters: 5, partitions: 4 }) }, 0);
      const res = await inWorker.inject({ url: '/health/detailed', headers: { authorization: `Bearer ${READ_KEY}` } });
      expect(res.json().checks.worker).toEqual({ status: 'healthy', backlog: 1_234, dead_letters: 5, partitions: 4 });
      const failing = await gateway(
        {
          query: async () => {
            throw new Error('Timeout exceeded: elapsed 10 seconds\nstack');
          },
        },
        0,
      );
      const down = await failing.inject({ url: '/health/detailed', headers: { authorization: `Bearer ${READ_KEY}` } });
      expect(down.statusCode).toBe(503);
      expect(down.json().checks.database).toEqual({ status: 'unhealthy', error: 'Timeout exceeded: elapsed 10 seconds' });
      const summary = await failing.inject({ url: '/metrics/summary', headers: { authorization: `Bearer ${READ_KEY}` } });
      expect(summary.statusCode).toBe(503);
      expect(summary.json().message).toBe('/metrics/summary: ClickHouse did not answer: Timeout exceeded: elapsed 10 seconds');
    });
  });

  describe('real-time tracking', () => {
    it('/api/status: active users are sessions of the last 30 minutes, agents are services', async () => {
      const { body } = await get('/api/status');
      expect(body.success).toBe(true);
      // billing's requests are 30 hours old: shop and auth are tracked.
      expect(body.data.realTimeMetrics).toEqual({ activeUsers: 4, trackedAgents: 2, usingRealData: true });
      expect(body.data.sessions).toEqual({ active: 4, signedInUsers: 2 });
      expect(body.data.requests).toMatchObject({ lastHour: 12, errors5xx: 2 });
    });

    it('/api/status/analytics: per-agent numbers from the api rollup, history, features', async () => {
      const { body } = await get('/api/status/analytics');
      const perService = await view<{ service: string; requests: number; errors_5xx: number }>(
        "SELECT service, sum(requests) AS requests, sum(errors_5xx) AS errors_5xx FROM api_performance(hours = 24, endpoint = '') GROUP BY service ORDER BY requests DESC, service",
      );
      expect(
        body.agents.map((a: { name: string; requestCount: number; errorCount: number }) => ({
          service: a.name,
          requests: a.requestCount,
          errors_5xx: a.errorCount,
        })),
      ).toEqual(perService);
      expect(body.overview).toMatchObject({ activeUsers: 4, trackedAgents: 2, totalRequests: 16, errorRate: 2 / 16 });
      expect(body.historical.daily.map((d: { activeUsers: number }) => d.activeUsers)).toEqual(
        (
          await view<{ users: number }>(
            'SELECT day, uniqExactMerge(users) AS users FROM active_users_daily WHERE day >= today() - 29 GROUP BY day ORDER BY day',
          )
        ).map((d) => d.users),
      );
      expect(body.features[0]).toEqual({ app: 'web', feature: 'export', events: 5 });
    });

    it('/api/status/api-status: every endpoint of the last hour (api_performance)', async () => {
      const { body } = await get('/api/status/api-status');
      const rows = await view<{ endpoint: string; requests: number }>(
        "SELECT endpoint, requests FROM api_performance(hours = 1, endpoint = '') ORDER BY service, endpoint, method",
      );
      expect(body.endpoints.map((e: { endpoint: string; requests: number }) => ({ endpoint: e.endpoint, requests: e.requests }))).toEqual(
        rows,
      );
      expect(body.summary).toMatchObject({ totalRequests: 12, errorCount: 2 });
    });
  });

  describe('cheap to poll', () => {
    it('a repeat within the TTL runs no query; after it, one; different parameters are their own entry', async () => {
      let clock = 1_000_000;
      const cached = await gateway({ now: () => clock }, 5_000);
      const ask = (url: string, headers: Record<string, string> = {}) =>
        cached.inject({ url, headers: { authorization: `Bearer ${READ_KEY}`, ...headers } });
      const before = queries;
      const first = await ask('/api/v1/metrics/job-outcomes?hours=24');
      expect(queries).toBe(before + 1);
      clock += 4_000;
      const repeat = await ask('/api/v1/metrics/job-outcomes?hours=24&unknown=ignored');
      expect(queries).toBe(before + 1);
      expect(repeat.body).toBe(first.body);
      await ask('/api/v1/metrics/job-outcomes?hours=23');
      expect(queries).toBe(before + 2);
      clock += 1_001;
      await ask('/api/v1/metrics/job-outcomes?hours=24');
      expect(queries).toBe(before + 3);
    });

    it('concurrent identical requests share one query', async () => {
      const cached = await gateway({}, 5_000);
      const before = queries;
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => cached.inject({ url: '/metrics/dashboard', headers: { authorization: `Bearer ${READ_KEY}` } })),
      );
      // The dashboard is 14 statements, asked once for all 20 requests.
      expect(queries - before).toBe(14);
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    });

    it('answers If-None-Match with 304 while the answer is unchanged', async () => {
      const cached = await gateway({}, 5_000);
      const headers = { authorization: `Bearer ${READ_KEY}` };
      const first = await cached.inject({ url: '/api/status', headers });
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(first.headers['cache-control']).toBe('private, no-cache');
      const again = await cached.inject({ url: '/api/status', headers: { ...headers, 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      const other = await cached.inject({ url: '/api/status', headers: { ...headers, 'if-none-match': '"something-else"' } });
      expect(other.statusCode).toBe(200);
    });
  });

  it.skipIf(!hasChromium)("the status page shows the JSON routes' numbers in Chromium, without console errors", async () => {
    const served = await gateway({ workerStatus: async () => ({ backlog: 42, deadLetters: 3, partitions: 4 }) }, 5_000);
    const address = await served.listen({ port: 0, host: '127.0.0.1' });
    const json = async (url: string) => (await served.inject({ url, headers: { authorization: `Bearer ${READ_KEY}` } })).json();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1360, height: 1100 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${address}/status`);
    // No key yet: the page asks for one; a write key is refused and asked again.
    await page.waitForSelector('#key.open');
    await page.fill('#key-input', WRITE_KEY);
    await page.press('#key-input', 'Enter');
    await page.locator('#key-error', { hasText: '403' }).waitFor();
    problems.length = 0; // the browser logs the refused fetch itself
    await page.fill('#key-input', READ_KEY);
    await page.press('#key-input', 'Enter');
    await page.waitForSelector('body[data-rendered]');
    expect(await page.evaluate('sessionStorage.getItem("sift-read-key")')).toBe(READ_KEY);

    const [status, dashboard, health, jobs, errors] = await Promise.all([
      json('/api/status'),
      json('/metrics/dashboard'),
      json('/metrics/services/health'),
      json('/api/v1/metrics/job-outcomes?hours=24'),
      json('/api/v1/metrics/error-trends?hours=24'),
    ]);
    const int = (n: number) => Math.round(n).toLocaleString('en-US');
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')} ms`;
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a reader sees it
    const text = (selector: string) => page.locator(selector).first().innerText();
    expect(await text('[data-tile="active-users"] .value')).toBe(int(status.data.realTimeMetrics.activeUsers));
    expect(await text('[data-tile="tracked-agents"] .value')).toBe(int(status.data.realTimeMetrics.trackedAgents));
    expect(await text('[data-tile="dau"] .value')).toBe(int(dashboard.active_users.daily));
    expect(await text('[data-tile="dau"] .sub')).toBe(
      `WAU ${int(dashboard.active_users.weekly)} · MAU ${int(dashboard.active_users.monthly)}`,
    );
    expect(await text('[data-tile="requests-hour"] .value')).toBe(int(dashboard.requests.requests));
    expect(await text('[data-tile="error-rate-hour"] .value')).toBe(pct(dashboard.requests.error_rate));
    expect(await text('[data-tile="errors-day"] .value')).toBe(int(dashboard.errors.errors));
    expect(await text('[data-tile="backlog"] .value')).toBe('42');
    expect(await text('[data-tile="dead-letters"] .value')).toBe('3');
    for (const s of health.services) {
      const row = `tr[data-service="${s.service}"]`;
      expect(await text(`${row} [data-col="requests"]`)).toBe(int(s.requests));
      expect(await text(`${row} [data-col="p95"]`)).toBe(ms(s.p95_response_time_ms));
      expect(await text(`${row} [data-col="error-rate"]`)).toBe(pct(s.error_rate));
      expect(await page.locator(`${row} svg.spark polyline`).count()).toBe(2);
    }
    for (const j of jobs.data) expect(await text(`tr[data-job-type="${j.job_type}"] [data-col="success-rate"]`)).toBe(pct(j.success_rate));
    const byCategory = new Map<string, number>();
    for (const r of errors.data) byCategory.set(r.category, (byCategory.get(r.category) ?? 0) + r.errors);
    for (const [category, n] of byCategory) expect(await text(`tr[data-category="${category}"] [data-col="errors"]`)).toBe(int(n));
    expect(await page.locator('tr[data-instance]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')))).toEqual(
      dashboard.silent_instances.map((i: { instance_id: string }) => i.instance_id),
    );
    for (const s of dashboard.device_states) expect(await text(`tr[data-state="${s.state}"] [data-col="devices"]`)).toBe(int(s.devices));
    await page.screenshot({ path: process.env.STATUS_SCREENSHOT ?? join(dir, 'status.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
