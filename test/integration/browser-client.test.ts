import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { chromiumFor, launchChromium } from '../helpers/chromium.js';
// @ts-expect-error: a plain ES module script without types
import { bundle } from '../../packages/browser/scripts/bundle.mjs';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { createKey, gatewayConfig } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';

const hasChromium = chromiumFor("the browser client's test");

const APP = 'shop-web';
/** Where the client keeps a page's queue in localStorage. */
const QUEUE_PREFIX = `sift.${APP}.q.`;

/** A shop page loading the minified client from its own origin, configured from its query (?flush=ms). */
function shopPage(endpoint: string, key: string, flushMs: number): string {
  const options = { endpoint, key, app: APP, flushIntervalMs: flushMs, retryMs: 200, maxRetryMs: 2000 };
  return `<!doctype html><title>Shop</title>
<button id="buy" data-sift="buy">Buy</button> <button id="break">Break</button>
<script type="module">
  import { init } from '/sift.min.js';
  const sift = init(${JSON.stringify(options)});
  sift.trackPageViews();
  sift.captureErrors();
  sift.trackClicks();
  document.getElementById('break').addEventListener('click', () => setTimeout(() => { throw new Error('boom from the page'); }));
  window.sift = sift;
</script>`;
}

/** Serves the shop page and the client bundle, on an origin of its own (the gateway is cross-origin, as in production). */
async function startShop(target: () => { endpoint: string; key: string }): Promise<{ url: string; close(): Promise<void> }> {
  const client = (await bundle()) as string;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://shop');
    if (url.pathname === '/sift.min.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript' });
      response.end(client);
      return;
    }
    const { endpoint, key } = target();
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(shopPage(endpoint, key, Number(url.searchParams.get('flush') ?? 100)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A request the page made to the gateway, with the answer it got (once it came). */
interface SentBatch {
  url: string;
  headers: Record<string, string>;
  /** When Chromium sent it, epoch ms. */
  sentAt: number;
  status?: number;
  retryAfter?: string;
}

/**
 * The browser client in real Chromium against the real thing: nats-server, a worker serving the
 * gateway (GATEWAY_ENABLED) and a browser key made in the keys bucket; events are looked for in
 * ClickHouse.
 */
describe.skipIf(!hasChromium)('the browser client in Chromium, through the gateway into ClickHouse', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let browser: Browser;
  let shop: { url: string; close(): Promise<void> };
  let gateway = '';
  let key = '';
  let db: string;
  const sent: SentBatch[] = [];

  const query = <T = Record<string, unknown>>(sql: string) => rows<T>(worker.clickhouse, sql);
  const count = async (sql: string) => (await query<{ n: number }>(`SELECT count() AS n FROM ${sql}`))[0]!.n;

  beforeAll(async () => {
    t = await siftTestEnv();
    db = t.config.clickhouse.database;
    shop = await startShop(() => ({ endpoint: gateway, key }));
    key = await createKey(t, { name: 'shop-web', origins: [shop.url] });
    worker = await Worker.start(gatewayConfig(t, { GATEWAY_ENABLED: 'true' }), testLogger);
    gateway = `http://127.0.0.1:${worker.gateway!.port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await worker?.stop();
    await t?.dispose();
  });

  /** A fresh profile per test: its own localStorage and session; its requests to the gateway are kept in `sent`. */
  async function openShop(flushMs: number, path = '/shop'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const batches = new Map<Request, SentBatch>();
    context.on('request', (request) => {
      if (request.method() !== 'POST' || !request.url().startsWith(gateway)) return;
      const batch: SentBatch = { url: request.url(), headers: request.headers(), sentAt: Date.now() };
      batches.set(request, batch);
      sent.push(batch);
    });
    context.on('requestfinished', async (request) => {
      const batch = batches.get(request);
      const response = await request.response();
      if (!batch || !response) return;
      batch.retryAfter = (await response.allHeaders())['retry-after'];
      batch.status = response.status();
    });
    const page = await context.newPage();
    await page.goto(`${shop.url}${path}?flush=${flushMs}`);
    await page.waitForFunction("'sift' in window");
    return { context, page };
  }

  it('sends a page view, a click, an uncaught error and an unhandled rejection with fetch and a Bearer key', async () => {
    const before = sent.length;
    const { context, page } = await openShop(100);
    await page.click('#buy');
    await page.click('#break');
    await page.evaluate("void Promise.reject(new Error('rejected in the page'))");
    await page.evaluate("history.pushState({}, '', '/shop/cart')");
    const session = (await page.evaluate(`sessionStorage.getItem('sift.${APP}.session')`)) as string;

    await until(
      async () => (await count(`${db}.user_activity WHERE session_id = '${session}'`)) === 3,
      'two page views and a click stored',
      20_000,
    );
    const activity = await query<{ app: string; activity_type: string; page_url: string; element_id: string; metadata: unknown }>(
      `SELECT app, activity_type, page_url, element_id, metadata FROM ${db}.user_activity WHERE session_id = '${session}' ORDER BY ts, stream_seq`,
    );
    expect(activity.map((a) => [a.app, a.activity_type, a.page_url, a.element_id])).toEqual([
      [APP, 'page_view', '/shop?flush=100', ''],
      [APP, 'click', '/shop', 'buy'],
      [APP, 'page_view', '/shop/cart', ''],
    ]);
    expect(JSON.stringify(activity[0]!.metadata)).toContain('Shop');

    await until(
      async () => (await count(`${db}.errors WHERE source = '${APP}'`)) === 2,
      'the uncaught error and the rejection stored',
      20_000,
    );
    const errors = await query<{ category: string; severity: string; code: string; message: string; stack: string }>(
      `SELECT category, severity, code, message, stack FROM ${db}.errors WHERE source = '${APP}' ORDER BY message`,
    );
    expect(errors.map((e) => e.message)).toEqual(['Unhandled rejection: rejected in the page', 'boom from the page']);
    expect(errors[1]).toMatchObject({ category: 'frontend', severity: 'error', code: 'Error' });
    expect(errors[1]!.stack).toContain('boom from the page');

    // Every batch went by fetch with the key in its header, as JSON, under an Idempotency-Key.
    const batches = sent.slice(before);
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(batch.url).toBe(`${gateway}/v1/batch`);
      expect(batch.headers).toMatchObject({
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': expect.any(String),
      });
      expect(batch.status).toBe(202);
    }
    expect(await page.evaluate('sift.pending()')).toBe(0);
    await context.close();
  });

  it('retries a batch the gateway could not store (NATS stopped) under the same Idempotency-Key, after Retry-After', async () => {
    const before = sent.length;
    await t.nats!.stop();
    const { context, page } = await openShop(100);
    const session = (await page.evaluate(`sessionStorage.getItem('sift.${APP}.session')`)) as string;
    await until(() => sent.slice(before).some((b) => b.status === 503), 'the gateway answered 503', 15_000);
    await t.nats!.restart();
    await until(() => sent.slice(before).some((b) => b.status === 202), 'a retry was stored', 30_000);
    const tries = sent.slice(before);
    const refused = tries.find((b) => b.status === 503)!;
    const stored = tries.find((b) => b.status === 202)!;
    // The page could read Retry-After (CORS exposes it) and waited that long, although its own first wait is 200 ms.
    expect(refused.retryAfter).toBe('2');
    expect(stored.sentAt - refused.sentAt).toBeGreaterThanOrEqual(1_900);
    expect(stored.headers['idempotency-key']).toBe(refused.headers['idempotency-key']);
    await until(async () => (await count(`${db}.user_activity WHERE session_id = '${session}'`)) >= 1, 'the page view stored', 30_000);
    await worker.untilIdle();
    expect(await count(`${db}.user_activity WHERE session_id = '${session}'`)).toBe(1);
    await page.close();
    await context.close();
  });

  it('keeps events in localStorage while offline and sends them when the browser is back online', async () => {
    const { context, page } = await openShop(100);
    await until(async () => (await page.evaluate('sift.pending()')) === 0, 'the page view was sent', 15_000);
    const session = (await page.evaluate(`sessionStorage.getItem('sift.${APP}.session')`)) as string;
    await context.setOffline(true);
    await page.click('#buy');
    await page.waitForTimeout(600);
    const held = await page.evaluate(
      `Object.keys(localStorage).filter((k) => k.startsWith('${QUEUE_PREFIX}')).map((k) => localStorage.getItem(k)).join()`,
    );
    expect(held).toContain('"element_id":"buy"');
    expect(await count(`${db}.user_activity WHERE session_id = '${session}' AND activity_type = 'click'`)).toBe(0);

    await context.setOffline(false);
    await until(
      async () => (await count(`${db}.user_activity WHERE session_id = '${session}' AND element_id = 'buy'`)) === 1,
      'the offline click stored',
      20_000,
    );
    await until(
      async () => (await page.evaluate(`Object.keys(localStorage).some((k) => k.startsWith('${QUEUE_PREFIX}'))`)) === false,
      'the stored queue was emptied',
    );
    await context.close();
  });

  it('sends what is queued with a beacon when the page goes away: ?key= and a text/plain body', async () => {
    const { context, page } = await openShop(60_000);
    const session = (await page.evaluate(`sessionStorage.getItem('sift.${APP}.session')`)) as string;
    // Neither Playwright nor the DevTools protocol sees a beacon sent while the page unloads: the
    // page notes its call in localStorage, which outlives it.
    await page.evaluate(`{
      const send = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (url, data) => {
        localStorage.setItem('test.beacon', JSON.stringify({ url, body: typeof data }));
        return send(url, data);
      };
    }`);
    await page.evaluate("sift.track('checkout_started', { items: 3 })");
    await page.goto('about:blank');
    await until(
      async () => (await count(`${db}.usage_events WHERE app = '${APP}' AND event = 'checkout_started'`)) === 1,
      "the beacon's event stored",
      20_000,
    );
    const properties = await query<{ properties: unknown }>(
      `SELECT properties FROM ${db}.usage_events WHERE app = '${APP}' AND event = 'checkout_started'`,
    );
    expect(JSON.stringify(properties[0]!.properties)).toContain('3');
    expect(await count(`${db}.user_activity WHERE session_id = '${session}' AND activity_type = 'page_view'`)).toBe(1);
    const storage = (await context.storageState()).origins.find((o) => o.origin === shop.url)?.localStorage ?? [];
    const beacon = JSON.parse(storage.find((item) => item.name === 'test.beacon')?.value ?? 'null');
    // A string body: the browser sends it as text/plain;charset=UTF-8, with the key in the URL.
    expect(beacon).toEqual({ url: `${gateway}/v1/batch?key=${encodeURIComponent(key)}`, body: 'string' });
    await context.close();
  });

  it("takes HOMEPOT's frontend fetch with credentials: 'include' on its own path", async () => {
    const { context, page } = await openShop(60_000);
    const answer = await page.evaluate(`(async () => {
      const response = await fetch(${JSON.stringify(`${gateway}/api/v1/analytics/user-activity?app=homepot-web`)}, {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ${key}' },
        body: JSON.stringify({ activity_type: 'search', page_url: '/dashboard', search_query: 'device status', session_id: 'homepot-s1', extra_data: { results_count: 5 } }),
      });
      return { status: response.status, body: await response.json() };
    })()`);
    expect(answer).toEqual({ status: 201, body: { success: true, message: 'Activity logged' } });
    await until(
      async () => (await count(`${db}.user_activity WHERE app = 'homepot-web' AND session_id = 'homepot-s1'`)) === 1,
      'the search stored',
      20_000,
    );
    const [row] = await query<{ activity_type: string; search_query: string }>(
      `SELECT activity_type, search_query FROM ${db}.user_activity WHERE app = 'homepot-web'`,
    );
    expect(row).toEqual({ activity_type: 'search', search_query: 'device status' });
    await context.close();
  });
});
