import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
// @ts-expect-error: a plain ES module script without types
import { bundle } from '../../packages/browser/scripts/bundle.mjs';
import { startBatchRecorder, type BatchRecorder, type RecordedBatch } from '../helpers/batch-recorder.js';
import { until } from '../helpers/until.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags for a sandboxed machine with no network: no background connections, no first-run work.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`no Chromium at ${CHROMIUM}: the browser client's test is skipped (install Debian's chromium, as .ci/run does, or set CHROMIUM_PATH)`);

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
async function startShop(recorder: BatchRecorder): Promise<{ url: string; close(): Promise<void> }> {
  const client = (await bundle()) as string;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://shop');
    if (url.pathname === '/sift.min.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript' });
      response.end(client);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(shopPage(recorder.url, recorder.key, Number(url.searchParams.get('flush') ?? 100)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const eventsOf = (batches: RecordedBatch[]) => batches.filter((b) => b.status === 202).flatMap((b) => b.events);
const find = (batches: RecordedBatch[], kind: string, match: (event: Record<string, unknown>) => boolean) =>
  eventsOf(batches).find((e) => e.kind === kind && match(e.event));

describe.skipIf(!hasChromium)('the browser client in Chromium', () => {
  let browser: Browser;
  let recorder: BatchRecorder;
  let shop: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    // Stands in for buildGateway (src/gateway/server.ts) until the client's test runs against it.
    recorder = await startBatchRecorder();
    shop = await startShop(recorder);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await recorder?.close();
  });

  /** A fresh profile per test: its own localStorage and session. */
  async function openShop(flushMs: number, path = '/shop'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${shop.url}${path}?flush=${flushMs}`);
    await page.waitForFunction('\'sift\' in window');
    return { context, page };
  }

  it('sends a page view, a click, an uncaught error and an unhandled rejection with fetch and a Bearer key', async () => {
    const { context, page } = await openShop(100);
    await page.click('#buy');
    await page.click('#break');
    await page.evaluate("void Promise.reject(new Error('rejected in the page'))");
    await page.evaluate("history.pushState({}, '', '/shop/cart')");

    await until(() => eventsOf(recorder.batches).length >= 5, 'five events reached the gateway', 15_000);
    const pageView = find(recorder.batches, 'activity', (e) => e.activity_type === 'page_view' && e.page_url === '/shop?flush=100');
    expect(pageView).toMatchObject({ key: APP, event: { session_id: expect.any(String), metadata: { title: 'Shop' } } });
    expect(find(recorder.batches, 'activity', (e) => e.activity_type === 'page_view' && e.page_url === '/shop/cart')).toBeDefined();
    expect(find(recorder.batches, 'activity', (e) => e.activity_type === 'click')).toMatchObject({ key: APP, event: { element_id: 'buy', page_url: '/shop' } });
    const uncaught = find(recorder.batches, 'error', (e) => e.message === 'boom from the page');
    expect(uncaught).toMatchObject({ key: APP, event: { category: 'frontend', severity: 'error', code: 'Error', context: { url: expect.stringContaining('/shop') } } });
    expect(uncaught!.event.stack).toContain('boom from the page');
    expect(find(recorder.batches, 'error', (e) => e.message === 'Unhandled rejection: rejected in the page')).toBeDefined();

    // Every event was one the worker stores, sent as the gateway's contract says.
    expect(recorder.problems).toEqual([]);
    for (const batch of recorder.batches) {
      expect(batch).toMatchObject({ keyFrom: 'header', contentType: 'application/json', idempotencyKey: expect.any(String) });
    }
    expect(await page.evaluate('sift.pending()')).toBe(0);
    await context.close();
  });

  it('retries a batch the gateway could not store, under the same Idempotency-Key', async () => {
    const before = recorder.batches.length;
    recorder.failNext(1, 1);
    const { context, page } = await openShop(100);
    await until(() => recorder.batches.slice(before).some((b) => b.status === 202), 'the retry was stored', 15_000);
    const [refused, stored] = recorder.batches.slice(before);
    expect(refused!.status).toBe(503);
    expect(stored!.idempotencyKey).toBe(refused!.idempotencyKey);
    expect(stored!.events).toEqual(refused!.events);
    // Retry-After: 1 was honoured although the client's own first wait is 200 ms.
    expect(stored!.at - refused!.at).toBeGreaterThanOrEqual(1000);
    expect(recorder.problems).toEqual([]);
    await page.close();
    await context.close();
  });

  it('keeps events in localStorage while offline and sends them when the browser is back online', async () => {
    const { context, page } = await openShop(100);
    await until(async () => (await page.evaluate('sift.pending()')) === 0, 'the page view was sent', 15_000);
    const before = recorder.batches.length;
    await context.setOffline(true);
    await page.click('#buy');
    await page.waitForTimeout(600);
    const held = await page.evaluate(`Object.keys(localStorage).filter((k) => k.startsWith('${QUEUE_PREFIX}')).map((k) => localStorage.getItem(k)).join()`);
    expect(held).toContain('"element_id":"buy"');
    expect(recorder.batches.length).toBe(before);

    await context.setOffline(false);
    await until(() => find(recorder.batches.slice(before), 'activity', (e) => e.element_id === 'buy') !== undefined, 'the offline click arrived', 15_000);
    await until(async () => (await page.evaluate(`Object.keys(localStorage).some((k) => k.startsWith('${QUEUE_PREFIX}'))`)) === false, 'the stored queue was emptied');
    await context.close();
  });

  it('sends what is queued with a beacon when the page goes away: ?key= and a text/plain body', async () => {
    const { context, page } = await openShop(60_000);
    const before = recorder.batches.length;
    await page.evaluate("sift.track('checkout_started', { items: 3 })");
    await page.goto('about:blank');
    await until(() => find(recorder.batches.slice(before), 'usage', (e) => e.event === 'checkout_started') !== undefined, 'the beacon arrived', 15_000);
    const beacon = recorder.batches.slice(before).find((b) => b.events.some((e) => e.event.event === 'checkout_started'))!;
    expect(beacon).toMatchObject({ keyFrom: 'query', contentType: expect.stringMatching(/^text\/plain/) });
    expect(beacon.events.map((e) => e.event.activity_type ?? e.event.event)).toEqual(['page_view', 'checkout_started']);
    expect(recorder.problems).toEqual([]);
    await context.close();
  });
});
