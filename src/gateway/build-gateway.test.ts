import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { kinds } from '../kinds/registry.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../telemetry/logger.js';
import { createGatewayMetrics } from '../telemetry/metrics.js';
import { buildGateway } from './build-gateway.js';
import type { GatewayDeps } from './gateway-deps.js';
import type { KeyDirectory } from './keys/key-directory.js';
import type { KeyRecord } from './keys/key-record.js';
import { KeyBudgets } from './limits/key-budgets.js';
import type { PublishLink } from './publishing/publish-link.js';

const SHOP = 'https://homepot.example.com';

const record = (name: string, extra: Partial<KeyRecord> = {}): KeyRecord => ({
  name,
  hash: '',
  kinds: ['activity', 'error', 'usage'],
  keys: '*',
  origins: [],
  rate: 0,
  read: false,
  revoked: false,
  createdAt: '2026-12-07T00:00:00Z',
  ...extra,
});

/** Secrets to records: the key store's lookup without NATS. */
const records: Record<string, KeyRecord> = {
  browser: record('browser', { origins: [SHOP] }),
  writer: record('writer'),
  reader: record('reader', { read: true }),
};
const directory = {
  find: (secret: string) => records[secret],
  servesOrigin: (origin: string) => Object.values(records).some((r) => r.origins.includes(origin)),
} as unknown as KeyDirectory;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The gateway with NATS away (no publishing connection), reading through `reads`. */
function gateway(reads: GatewayDeps['reads']): FastifyInstance {
  app = buildGateway({
    config: loadConfig({ env: { GATEWAY_QUERY_CACHE_TTL_MS: '0' } }),
    keys: directory,
    link: { current: undefined } as unknown as PublishLink,
    budgets: new KeyBudgets(),
    metrics: createGatewayMetrics(new Registry(), kinds),
    log: createLogger('silent'),
    live: () => true,
    readiness: () => ({ ready: true, checks: {} }),
    reads,
  });
  return app;
}

const unavailable: GatewayDeps['reads'] = { ok: false, reason: 'the read routes need CLICKHOUSE_URL' };

describe('CORS for browser keys', () => {
  it("answers a preflight from a browser key's origin with credentials and the headers the client sends", async () => {
    const res = await gateway(unavailable).inject({
      method: 'OPTIONS',
      url: '/api/v1/analytics/user-activity',
      headers: {
        origin: SHOP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
  });

  it('gives no CORS answer, and so no credentials, to an origin no browser key serves', async () => {
    const res = await gateway(unavailable).inject({
      method: 'OPTIONS',
      url: '/v1/batch',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('lets the page read Retry-After and Idempotency-Key of a 503, with credentials allowed', async () => {
    const res = await gateway(unavailable).inject({
      method: 'POST',
      url: '/v1/events/activity/shop',
      headers: { origin: SHOP, authorization: 'Bearer browser', 'content-type': 'application/json' },
      payload: { session_id: 's1', activity_type: 'page_view' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['idempotency-key']).toEqual(expect.any(String));
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['retry-after', 'idempotency-key']));
  });
});

describe('the read routes in the gateway', () => {
  const asks: Array<Record<string, unknown>> = [];
  const reading: GatewayDeps['reads'] = {
    ok: true,
    query: async <T>(_sql: string, params: Record<string, unknown>) => {
      asks.push(params);
      return [] as T[];
    },
    close: async () => undefined,
  };

  it('answers 401 without a key, 403 for write and browser keys, and reads with a read key', async () => {
    const app = gateway(reading);
    const get = (key?: string) =>
      app.inject({ url: '/api/v1/metrics/api-performance?hours=1', headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect((await get()).statusCode).toBe(401);
    expect((await get('writer')).json()).toEqual({
      error: 'no_read_rights',
      message: 'API key writer has no read rights (sift keys create --read)',
    });
    expect((await get('browser')).statusCode).toBe(403);
    const read = await get('reader');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ data: [] });
  });

  it("names a bad parameter and its range in the gateway's error shape", async () => {
    const res = await gateway(reading).inject({
      url: '/api/v1/metrics/job-outcomes?hours=169',
      headers: { authorization: 'Bearer reader' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_parameter', message: 'hours must be an integer from 1 to 168' });
  });

  it.each(['0x10', '1e2', '1.0', ' 5', '+5'])('takes hours=%s, which only coercion makes a number, as a bad parameter', async (hours) => {
    const res = await gateway(reading).inject({
      url: `/api/v1/metrics/job-outcomes?hours=${encodeURIComponent(hours)}`,
      headers: { authorization: 'Bearer reader' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_parameter', message: 'hours must be an integer from 1 to 168' });
  });

  it('takes a device id of 256 characters and refuses a longer one in one line', async () => {
    const app = gateway(reading);
    const id = 'd'.repeat(256);
    asks.length = 0;
    const res = await app.inject({
      url: `/api/v1/metrics/device-state-history/${id}?hours=1`,
      headers: { authorization: 'Bearer reader' },
    });
    expect(res.statusCode).toBe(200);
    expect(asks).toEqual([{ device_id: id, hours: 1 }]);
    const long = await app.inject({ url: `/api/v1/metrics/device-state-history/${id}d`, headers: { authorization: 'Bearer reader' } });
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual({
      error: 'path_parameter_too_long',
      message: 'a path parameter is longer than 256 characters, the most a subject key or device id may have',
    });
  });

  it('answers 503 naming why when ClickHouse fails, and when there is nothing to read from', async () => {
    const failing = gateway({
      ok: true,
      query: () => Promise.reject(new Error('Timeout exceeded: elapsed 10 seconds\n(stack)')),
      close: async () => undefined,
    });
    const down = await failing.inject({ url: '/api/status', headers: { authorization: 'Bearer reader' } });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({
      error: 'read_failed',
      message: '/api/status: ClickHouse did not answer: Timeout exceeded: elapsed 10 seconds',
    });
    await failing.close();

    const standalone = gateway(unavailable);
    const res = await standalone.inject({ url: '/metrics/summary', headers: { authorization: 'Bearer reader' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'reads_unavailable', message: 'the read routes need CLICKHOUSE_URL' });
    // The key is still checked first: nothing is said to a caller that may not read.
    expect((await standalone.inject({ url: '/metrics/summary', headers: { authorization: 'Bearer writer' } })).statusCode).toBe(403);
  });
});
