import { gzipSync } from 'node:zlib';
import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { KeyStore, keysBucket } from '../../src/gateway/keys/key-store.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { call, createKey, gatewayConfig, type Answer } from '../helpers/gateway.js';
import { metricSum } from '../helpers/scrape.js';
import { until } from '../helpers/until.js';

const usage = (event: string, extra: Record<string, unknown> = {}) => ({ event, ...extra });

describe('the HTTP gateway served by a worker (GATEWAY_ENABLED)', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let url: string;
  let db: string;
  const secrets: Record<string, string> = {};
  const bearer = (name: string) => ({ authorization: `Bearer ${secrets[name]}` });
  /** Accepted usage events per app, as the gateway answered. */
  const acceptedUsage = new Map<string, number>();
  const count = (app: string, answer: Answer) => {
    expect(answer.status).toBe(202);
    acceptedUsage.set(app, (acceptedUsage.get(app) ?? 0) + (answer.body as { accepted: number }).accepted);
  };

  beforeAll(async () => {
    t = await siftTestEnv();
    db = t.config.clickhouse.database;
    secrets.server = await createKey(t, { name: 'server', kinds: ['usage', 'heartbeat', 'activity', 'metrics'] });
    secrets.narrow = await createKey(t, { name: 'narrow', kinds: ['usage'], keys: 'shop-*' });
    secrets.browser = await createKey(t, { name: 'browser', origins: ['https://shop.example.com'] });
    secrets.slow = await createKey(t, { name: 'slow', kinds: ['usage'], rate: 5 });
    secrets.doomed = await createKey(t, { name: 'doomed', kinds: ['usage'] });
    const config = gatewayConfig(t, {
      GATEWAY_ENABLED: 'true',
      GATEWAY_MAX_BODY_BYTES: String(64 * 1024),
      GATEWAY_MAX_DECOMPRESSED_BYTES: String(1024 * 1024),
      GATEWAY_MAX_EVENTS_PER_REQUEST: '500',
      GATEWAY_HEADERS_TIMEOUT_MS: '1000',
      GATEWAY_REQUEST_TIMEOUT_MS: '2000',
    });
    worker = await Worker.start(config, testLogger);
    url = `http://127.0.0.1:${worker.gateway!.port}`;
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  describe('routes', () => {
    it('takes one event, an array, NDJSON, text/plain and gzip on /v1/events/{kind}/{key}, each event judged alone', async () => {
      count('shop-1', await call(`${url}/v1/events/usage/shop-1`, { headers: bearer('server'), json: usage('opened') }));

      const array = await call(`${url}/v1/events/usage/shop-1`, {
        headers: bearer('server'),
        json: [usage('a'), { evnt: 'typo' }, usage('b', { ts: '2026-02-30T00:00:00Z' }), usage('c')],
      });
      expect(array.body).toEqual({
        accepted: 2,
        rejected: [
          { index: 1, reason: 'schema', detail: expect.stringContaining('/event') },
          { index: 2, reason: 'schema', detail: expect.stringContaining('not a valid date-time') },
        ],
      });
      count('shop-1', array);

      const ndjson = await call(`${url}/v1/events/usage/shop-2`, {
        headers: { ...bearer('server'), 'content-type': 'application/x-ndjson' },
        body: '{"event":"a"}\n{"event":"b","event":"again"}\nnot json\n{"event":"c"}\n',
      });
      expect(ndjson.body).toMatchObject({
        accepted: 2,
        rejected: [
          { index: 1, reason: 'schema', detail: '/event: duplicate key' },
          { index: 2, reason: 'not_json' },
        ],
      });
      count('shop-2', ndjson);

      count(
        'shop-2',
        await call(`${url}/v1/events/usage/shop-2`, {
          headers: { ...bearer('server'), 'content-type': 'text/plain;charset=UTF-8' },
          body: JSON.stringify(usage('beacon')),
        }),
      );

      const many = Array.from({ length: 200 }, (_, i) => usage(`e${i}`));
      const gzipped = await call(`${url}/v1/events/usage/shop-3`, {
        headers: { ...bearer('server'), 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(many)),
      });
      expect(gzipped.body).toEqual({ accepted: 200, rejected: [] });
      count('shop-3', gzipped);
    });

    it('takes mixed kinds on /v1/batch, rejecting items with the dead-letter reasons', async () => {
      const answer = await call(`${url}/v1/batch`, {
        headers: bearer('server'),
        json: {
          events: [
            { kind: 'usage', key: 'shop-4', event: usage('batched') },
            { kind: 'heartbeat', key: 'inst-1', event: { app: 'shop', version: '1.2.3' } },
            { kind: 'activity', key: 'shop', event: { session_id: 's1', activity_type: 'page_view' } },
            { kind: 'teleport', key: 'x', event: {} },
            { kind: 'usage', key: 'bad.key', event: usage('x') },
            { kind: 'usage', key: 'shop-4' },
            { kind: 'usage', key: 'shop-4', event: usage('x'.repeat(70_000)) },
          ],
        },
      });
      // The last item is over the 64 KiB body limit here only as a whole: refused before any event is read.
      expect(answer.status).toBe(413);

      const batch = await call(`${url}/v1/batch`, {
        headers: bearer('server'),
        json: {
          events: [
            { kind: 'usage', key: 'shop-4', event: usage('batched') },
            { kind: 'heartbeat', key: 'inst-1', event: { app: 'shop', version: '1.2.3' } },
            { kind: 'activity', key: 'shop', event: { session_id: 's1', activity_type: 'page_view' } },
            { kind: 'teleport', key: 'x', event: {} },
            { kind: 'usage', key: 'bad.key', event: usage('x') },
            { kind: 'usage', key: 'shop-4' },
          ],
        },
      });
      expect(batch.body).toEqual({
        accepted: 3,
        rejected: [
          { index: 3, reason: 'unknown_kind', detail: 'no kind "teleport"' },
          { index: 4, reason: 'bad_key', detail: expect.stringContaining('a dot') },
          { index: 5, reason: 'schema', detail: expect.stringContaining('/events/5') },
        ],
      });
      acceptedUsage.set('shop-4', 1);
    });

    it('stores nothing twice for a retried request with the same Idempotency-Key', async () => {
      const send = () =>
        call(`${url}/v1/events/usage/shop-5`, {
          headers: { ...bearer('server'), 'idempotency-key': 'order-77' },
          json: [usage('paid'), usage('shipped')],
        });
      const first = await send();
      const retry = await send();
      expect(first.body).toEqual({ accepted: 2, rejected: [] });
      expect(retry.body).toEqual({ accepted: 2, rejected: [] });
      // Another key's request with the same Idempotency-Key is its own.
      const other = await call(`${url}/v1/events/usage/shop-5`, {
        headers: { ...bearer('narrow'), 'idempotency-key': 'order-77' },
        json: [usage('paid'), usage('shipped')],
      });
      expect(other.body).toEqual({ accepted: 2, rejected: [] });
      acceptedUsage.set('shop-5', 4);
    });

    it('takes a browser key as ?key= from its origin (sendBeacon), and answers its CORS preflight', async () => {
      const beacon = await call(`${url}/v1/events/activity/shop?key=${secrets.browser}`, {
        headers: { origin: 'https://shop.example.com', 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify({ session_id: 's2', activity_type: 'click', element_id: 'buy' }),
      });
      expect(beacon.status).toBe(202);
      expect(beacon.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');

      const preflight = await fetch(`${url}/v1/events/activity/shop`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://shop.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
      const stranger = await fetch(`${url}/v1/events/activity/shop`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('stores every accepted event, drained by the worker', async () => {
      await worker.untilIdle();
      const stored = await rows<{ app: string; n: number }>(
        worker.clickhouse,
        `SELECT app, count() AS n FROM ${db}.usage_events GROUP BY app ORDER BY app`,
      );
      expect(new Map(stored.map((r) => [r.app, r.n]))).toEqual(acceptedUsage);
      const [heartbeats] = await rows<{ n: number }>(worker.clickhouse, `SELECT count() AS n FROM ${db}.heartbeats`);
      const [activity] = await rows<{ n: number }>(worker.clickhouse, `SELECT count() AS n FROM ${db}.user_activity`);
      expect([heartbeats!.n, activity!.n]).toEqual([1, 2]);
      // Rejected events were never published, so the worker dead-lettered nothing.
      const dlq = await (await jetstreamManager(t.nc)).streams.info(t.config.nats.dlqStream);
      expect(dlq.state.messages).toBe(0);
    });

    it("counts requests and events in the worker's metrics", async () => {
      const text = await worker.metrics.registry.metrics();
      expect(metricSum(text, 'sift_gateway_requests_total', { route: '/v1/events/:kind/:key', status: '202' })).toBeGreaterThanOrEqual(8);
      expect(metricSum(text, 'sift_gateway_events_accepted_total', { kind: 'usage' })).toBeGreaterThanOrEqual(213);
      expect(metricSum(text, 'sift_gateway_events_rejected_total', { kind: 'usage', reason: 'not_json' })).toBe(1);
      expect(metricSum(text, 'sift_gateway_publish_duration_seconds_count')).toBeGreaterThan(0);
    });
  });

  describe('refusals, each one JSON error naming the problem', () => {
    const refused = (answer: Answer, status: number, code: string, message?: RegExp) => {
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ error: code });
      expect(Object.keys(answer.body as object).sort()).toEqual(['error', 'message']);
      if (message) expect((answer.body as { message: string }).message).toMatch(message);
    };
    const post = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${url}${path}`, { json: usage('x'), ...init });

    it('401 without a key, with an unknown one, with a server key in the URL', async () => {
      refused(await post('/v1/events/usage/shop-1'), 401, 'missing_key', /Authorization: Bearer/);
      refused(await post('/v1/events/usage/shop-1', { headers: { 'x-api-key': 'sift_guess' } }), 401, 'unknown_key');
      refused(await post(`/v1/events/usage/shop-1?key=${secrets.server}`), 401, 'key_in_url', /never in the URL/);
    });

    it('401 for a revoked key, on this gateway within seconds', async () => {
      expect((await post('/v1/events/usage/shop-1', { headers: { 'x-api-key': secrets.doomed! } })).status).toBe(202);
      acceptedUsage.set('shop-1', acceptedUsage.get('shop-1')! + 1);
      const store = await KeyStore.open(t.nc, keysBucket(t.config.nats.consumer.prefix), 1);
      expect(await store.revoke('doomed')).toBe('revoked');
      const revokedAt = Date.now();
      await until(
        async () => (await post('/v1/events/usage/shop-1', { headers: { 'x-api-key': secrets.doomed! } })).status === 401,
        'the revocation reaches the gateway',
        5_000,
      );
      expect(Date.now() - revokedAt).toBeLessThan(2_000);
      refused(
        await post('/v1/events/usage/shop-1', { headers: { 'x-api-key': secrets.doomed! } }),
        401,
        'revoked_key',
        /doomed is revoked/,
      );
    });

    it("403 for a kind, a subject key or an origin out of the key's scope, before anything is published", async () => {
      refused(
        await post('/v1/events/heartbeat/shop-1', { headers: bearer('narrow'), json: { app: 'x' } }),
        403,
        'out_of_scope',
        /may not send kind "heartbeat"/,
      );
      refused(await post('/v1/events/usage/crm-1', { headers: bearer('narrow') }), 403, 'out_of_scope', /subject key "crm-1"/);
      refused(
        await post('/v1/batch', {
          headers: bearer('narrow'),
          json: {
            events: [
              { kind: 'usage', key: 'shop-9', event: usage('x') },
              { kind: 'usage', key: 'crm-9', event: usage('y') },
            ],
          },
        }),
        403,
        'out_of_scope',
        /^event 1:/,
      );
      refused(
        await post(`/v1/events/usage/shop-1?key=${secrets.browser}`, { headers: { origin: 'https://evil.example' } }),
        403,
        'origin_not_allowed',
      );
      refused(
        await post('/v1/events/usage/shop-1', { headers: { ...bearer('server'), origin: 'https://shop.example.com' } }),
        403,
        'server_key_in_browser',
      );
      refused(
        await post(`/v1/events/metrics/dev-1?key=${secrets.browser}`, {
          headers: { origin: 'https://shop.example.com' },
          json: { metrics: { t: 1 } },
        }),
        403,
        'out_of_scope',
      );
    });

    it('413 for a body, a decoded body or an event count over its limit; a gzip bomb stops at the bound', async () => {
      refused(
        await post('/v1/events/usage/shop-1', { headers: bearer('server'), json: usage('x'.repeat(70_000)) }),
        413,
        'body_too_large',
        /65536 bytes \(GATEWAY_MAX_BODY_BYTES\)/,
      );
      // 60 MiB of spaces in under 64 KiB of gzip: sixty times the decoded bound.
      const bomb = gzipSync(Buffer.alloc(60 * 1024 * 1024, ' '), { level: 9 });
      expect(bomb.length).toBeLessThan(64 * 1024);
      const before = process.memoryUsage().rss;
      refused(
        await post('/v1/events/usage/shop-1', {
          headers: { ...bearer('server'), 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: bomb,
          json: undefined,
        }),
        413,
        'decompressed_too_large',
        /GATEWAY_MAX_DECOMPRESSED_BYTES/,
      );
      expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
      refused(
        await post('/v1/events/usage/shop-1', { headers: bearer('server'), json: Array.from({ length: 501 }, () => ({ event: 'x' })) }),
        413,
        'too_many_events',
        /more than 500 events/,
      );
    });

    it('415 for a content type or encoding it does not read', async () => {
      refused(
        await post('/v1/events/usage/shop-1', {
          headers: { ...bearer('server'), 'content-type': 'application/xml' },
          body: '<event/>',
          json: undefined,
        }),
        415,
        'unsupported_media_type',
        /application\/xml/,
      );
      refused(
        await post('/v1/events/usage/shop-1', {
          headers: { ...bearer('server'), 'content-type': 'application/json', 'content-encoding': 'br' },
          body: '{}',
          json: undefined,
        }),
        415,
        'unsupported_encoding',
        /"br"/,
      );
    });

    it("429 with Retry-After once a key's rate is spent", async () => {
      const first = await post('/v1/events/usage/shop-6', { headers: bearer('slow'), json: Array.from({ length: 5 }, () => usage('x')) });
      expect(first.status).toBe(202);
      acceptedUsage.set('shop-6', 5);
      const second = await post('/v1/events/usage/shop-6', { headers: bearer('slow') });
      refused(second, 429, 'rate_limited', /5 events per second/);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('400 for a body that is not JSON, a bad Idempotency-Key or a bad subject key; 404 for an unknown kind or route', async () => {
      refused(
        await post('/v1/events/usage/shop-1', {
          headers: { ...bearer('server'), 'content-type': 'application/json' },
          body: '[{"event":"a"',
          json: undefined,
        }),
        400,
        'not_json',
      );
      refused(
        await post('/v1/events/usage/shop-1', {
          headers: { ...bearer('server'), 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: 'not gzip',
          json: undefined,
        }),
        400,
        'bad_gzip',
      );
      refused(
        await post('/v1/events/usage/shop-1', { headers: { ...bearer('server'), 'idempotency-key': 'has space' } }),
        400,
        'bad_idempotency_key',
      );
      refused(await post('/v1/events/usage/a%2Eb', { headers: bearer('server') }), 400, 'bad_key', /a dot/);
      refused(await post('/v1/events/teleport/x', { headers: bearer('server') }), 404, 'unknown_kind', /known: metrics/);
      refused(await call(`${url}/v2/nothing`), 404, 'not_found');
    });

    it('closes the connection of a client that sends its headers or body too slowly', async () => {
      const slow = async (start: string) => {
        const socket = netConnect(worker.gateway!.port, '127.0.0.1');
        let answer = '';
        socket.on('data', (d) => (answer += d));
        const closed = new Promise((r) => socket.on('close', r));
        const started = Date.now();
        socket.write(start);
        // A byte every 200 ms keeps the socket busy but never finishes the request.
        const drip = setInterval(() => socket.write(' '), 200);
        await closed;
        clearInterval(drip);
        return { answer, ms: Date.now() - started };
      };
      const headers = await slow('POST /v1/batch HTTP/1.1\r\nHost: x\r\nX-Slow:');
      expect(headers.ms).toBeLessThan(4_000);
      const body = await slow(
        `POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secrets.server}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      );
      expect(body.ms).toBeLessThan(5_000);
      expect(body.answer).toMatch(/^HTTP\/1.1 408/);
    });

    it('stored only what it accepted, refusals included', async () => {
      await worker.untilIdle();
      const stored = await rows<{ app: string; n: number }>(
        worker.clickhouse,
        `SELECT app, count() AS n FROM ${db}.usage_events GROUP BY app ORDER BY app`,
      );
      expect(new Map(stored.map((r) => [r.app, r.n]))).toEqual(acceptedUsage);
    });
  });
});
