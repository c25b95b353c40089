import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { call, createKey, gatewayConfig } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';

const SHOP = 'https://shop.example.com';

/** Probes of the gateway as an outsider would send them: keys, bodies, paths and parameters. */
describe('the gateway under attack', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let url: string;
  let db: string;
  const secrets: Record<string, string> = {};
  const as = (name: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${secrets[name]}`, ...extra });
  const stored = async (where: string) =>
    (await rows<{ n: number }>(worker.clickhouse, `SELECT count() AS n FROM ${db}.usage_events WHERE ${where}`))[0]!.n;

  beforeAll(async () => {
    t = await siftTestEnv();
    db = t.config.clickhouse.database;
    secrets.server = await createKey(t, { name: 'server', kinds: ['usage', 'error', 'api'] });
    secrets.browser = await createKey(t, { name: 'browser', origins: [SHOP] });
    secrets.reader = await createKey(t, { name: 'reader', kinds: ['api'], read: true });
    secrets.slow = await createKey(t, { name: 'slow', kinds: ['usage'], rate: 5 });
    worker = await Worker.start(
      gatewayConfig(t, { GATEWAY_ENABLED: 'true', GATEWAY_MAX_BODY_BYTES: String(64 * 1024), GATEWAY_QUERY_CACHE_TTL_MS: '0' }),
      testLogger,
    );
    url = `http://127.0.0.1:${worker.gateway!.port}`;
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('stores a second body sent with an Idempotency-Key already used for another, and a true retry once', async () => {
    const send = (event: string) =>
      call(`${url}/v1/events/usage/idem`, { headers: as('server', { 'idempotency-key': 'reused-key' }), json: { event } });
    expect((await send('first')).body).toEqual({ accepted: 1, rejected: [] });
    expect((await send('second')).body).toEqual({ accepted: 1, rejected: [] });
    expect((await send('first')).body).toEqual({ accepted: 1, rejected: [] });
    await until(async () => (await stored("app = 'idem'")) >= 2, 'both bodies stored');
    expect(await stored("app = 'idem' AND event = 'first'")).toBe(1);
    expect(await stored("app = 'idem' AND event = 'second'")).toBe(1);
  });

  it('refuses a server key from a page whose Origin is "null" (a sandboxed frame)', async () => {
    const framed = await call(`${url}/v1/events/usage/page`, { headers: as('server', { origin: 'null' }), json: { event: 'framed' } });
    expect(framed).toMatchObject({ status: 403, body: { error: 'server_key_in_browser' } });
  });

  it('refuses subject keys that are not one token, encoded or not, and over-long ones', async () => {
    for (const key of ['a.b', '*', '>', 'a%2Eb', '%2A', '%3E', 'a%20b', 'a%0Ab', 'x'.repeat(300)]) {
      const answer = await call(`${url}/v1/events/usage/${key}`, { headers: as('server'), json: { event: 'bad-key' } });
      expect([400, 414], key).toContain(answer.status);
      expect(typeof answer.body.message, key).toBe('string');
    }
    const unicode = await call(`${url}/v1/events/usage/${encodeURIComponent('dévice-ü-😀')}`, {
      headers: as('server'),
      json: { event: 'unicode' },
    });
    expect(unicode.body).toEqual({ accepted: 1, rejected: [] });
  });

  it('answers odd bodies with one JSON refusal or per-event rejections, never a 5xx', async () => {
    const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
      call(`${url}/v1/events/usage/odd`, { headers: as('server', { 'content-type': 'application/json', ...headers }), body });
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const cases: Array<[string, Awaited<ReturnType<typeof post>>]> = [
      ['deep array', await post(deep)],
      ['deep object', await post(`{"event":"x","p":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`)],
      ['a string', await post('"just a string"')],
      ['a number', await post('42')],
      ['null', await post('null')],
      ['empty', await post('')],
      ['text/plain not JSON', await post('hello there', { 'content-type': 'text/plain' })],
      ['utf-16', await post(Buffer.from('{"event":"u16"}', 'utf16le'), { 'content-type': 'application/json; charset=utf-16' })],
      ['BOM', await post(`\ufeff{"event":"bom"}`)],
      ['deflate', await post(deflateSync('{"event":"d"}'), { 'content-encoding': 'deflate' })],
      ['br', await post(Buffer.from('x'), { 'content-encoding': 'br' })],
      ['unknown encoding', await post('{"event":"x"}', { 'content-encoding': 'rot13' })],
      ['double gzip header', await post(gzipSync('{"event":"x"}'), { 'content-encoding': 'gzip, gzip' })],
      ['NDJSON long line', await post(`{"event":"${'x'.repeat(60_000)}"}\n`, { 'content-type': 'application/x-ndjson' })],
      ['over the limit', await post(`{"event":"${'x'.repeat(70_000)}"}`)],
      ['gzip bomb', await post(gzipSync(Buffer.alloc(50 * 1024 * 1024, 32)), { 'content-encoding': 'gzip' })],
    ];
    for (const [name, answer] of cases) {
      expect(answer.status, name).toBeGreaterThanOrEqual(200);
      expect(answer.status, name).toBeLessThan(500);
      if (answer.status >= 400) expect(answer.body, name).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
  });

  it("holds a key's rate across many concurrent connections", async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(`${url}/v1/events/usage/rated`, { headers: as('slow'), json: { event: `r${i}` } })),
    );
    const accepted = answers.filter((a) => a.status === 202).length;
    expect(accepted).toBeLessThanOrEqual(6);
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(24);
  });

  it('answers no CORS preflight for an origin no key serves', async () => {
    const preflight = await fetch(`${url}/v1/events/usage/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses SQL-looking, out-of-range and non-integer read parameters, and reads with write or browser keys', async () => {
    const read = (path: string, who = 'reader') => call(`${url}${path}`, { headers: as(who) });
    for (const hours of ['0', '169', '1.5', '-1', '1;DROP TABLE x', '', '99999999999999999999']) {
      const answer = await read(`/api/v1/metrics/api-performance?hours=${encodeURIComponent(hours)}`);
      expect(answer.status, hours).toBe(400);
      expect(answer.body.message, hours).toContain('hours must be an integer from 1 to 168');
    }
    const injected = await read(`/api/v1/metrics/api-performance?hours=1&endpoint=${encodeURIComponent("' OR 1=1 --")}`);
    expect(injected).toMatchObject({ status: 200, body: { data: [] } });
    const device = await read(`/api/v1/metrics/device-state-history/${'d'.repeat(256)}?hours=1`);
    expect(device).toMatchObject({ status: 200, body: { data: [] } });
    expect((await read(`/api/v1/metrics/device-state-history/${'d'.repeat(300)}?hours=1`)).status).toBe(414);
    expect((await read('/api/v1/metrics/error-trends?hours=1', 'server')).status).toBe(403);
    const browser = await call(`${url}/api/v1/metrics/error-trends?hours=1&key=${secrets.browser}`, { headers: { origin: SHOP } });
    expect(browser.status).toBe(403);
  });

  it('/openapi.json holds no secret, hash or key name', async () => {
    const spec = JSON.stringify((await call(`${url}/openapi.json`)).body);
    for (const name of Object.keys(secrets)) expect(spec).not.toContain(secrets[name]);
    expect(spec).not.toMatch(/[0-9a-f]{64}/);
    expect(spec).not.toContain('"reader"');
  });
});
