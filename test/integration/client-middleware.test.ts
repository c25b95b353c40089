import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import Fastify from 'fastify';
import {
  createSiftClient,
  siftExpress,
  siftFastify,
  siftHttp,
  type SiftClient,
  type SiftIncomingMessage,
} from '../../packages/client/src/index.js';
import type { SiftRequestContext } from '../../packages/client/src/index.js';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { storedEvents, type StoredEvent } from '../helpers/client-stream.js';

// How an Express app types req.sift (the README shows the same).
declare module 'express-serve-static-core' {
  interface Request {
    sift?: SiftRequestContext;
  }
}

const userOf = (req: { headers: Record<string, string | string[] | undefined> }) =>
  typeof req.headers['x-user'] === 'string' ? req.headers['x-user'] : undefined;
const sessionOf = (response: Response) => /sift_sid=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];

/** Requests every server answers the same way, and what they leave behind. */
async function exercise(base: string) {
  const first = await fetch(`${base}/users/42?x=1`, { headers: { 'x-user': 'u-9' } });
  const firstBody = await first.text();
  const sid = sessionOf(first);
  const again = await fetch(`${base}/users/43`, { headers: { cookie: `theme=dark; sift_sid=${sid}` } });
  await again.text();
  const order = await fetch(`${base}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `sift_sid=${sid}` },
    body: JSON.stringify({ items: [1, 2, 3] }),
  });
  await order.text();
  const search = await fetch(`${base}/search?q=pumps`, { headers: { cookie: `sift_sid=${sid}`, 'x-user': 'u-9' } });
  await search.text();
  await (await fetch(`${base}/health`)).text();
  await (await fetch(`${base}/metrics`)).text();
  const missing = await fetch(`${base}/nowhere`);
  await missing.text();
  return { sid, firstBytes: Buffer.byteLength(firstBody), againSetsCookie: again.headers.get('set-cookie') };
}

describe('@sift/client HTTP middleware on real servers', () => {
  let t: SiftTestEnv;
  let client: SiftClient;
  let spoolDir: string;
  const servers: Array<() => Promise<void>> = [];
  const runs: Record<string, Awaited<ReturnType<typeof exercise>>> = {};
  let events: StoredEvent[];

  const listen = async (server: Server) => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(() => new Promise((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    t = await siftTestEnv();
    spoolDir = mkdtempSync(join(tmpdir(), 'sift-client-http-'));
    client = await createSiftClient({ servers: t.config.nats.url, spoolDir });
    expect(await client.ready(20_000)).toBe(true);

    const app = express();
    app.use(siftExpress(client, { service: 'shop-express', app: 'shop', userId: userOf }));
    app.get('/users/:id', (req, res) => void res.json({ id: req.params.id, name: 'x'.repeat(100) }));
    app.post('/orders', express.json(), (_req, res) => void res.status(201).json({ ok: true }));
    app.get('/search', (req, res) => {
      req.sift!.activity({ activity_type: 'search', search_query: String(req.query.q) });
      res.send('found');
    });
    app.get('/health', (_req, res) => void res.send('ok'));
    app.get('/metrics', (_req, res) => void res.send('# metrics'));
    runs.express = await exercise(await listen(createServer(app)));

    const fastify = Fastify();
    await fastify.register(siftFastify, { client, service: 'shop-fastify', app: 'shop', userId: userOf });
    fastify.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id, name: 'x'.repeat(100) }));
    fastify.post('/orders', async (_request, reply) => reply.code(201).send({ ok: true }));
    fastify.get('/search', async (request) => {
      (request as unknown as { sift: { activity(body: Record<string, unknown>): void } }).sift.activity({
        activity_type: 'search',
        search_query: (request.query as { q: string }).q,
      });
      return 'found';
    });
    fastify.get('/health', async () => 'ok');
    fastify.get('/metrics', async () => '# metrics');
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    servers.push(() => fastify.close());
    runs.fastify = await exercise(`http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`);

    const plain = createServer(
      siftHttp(client, { service: 'shop-http', app: 'shop', userId: userOf }, (req: SiftIncomingMessage, res) => {
        const path = req.url!.split('?')[0]!;
        if (path.startsWith('/users/'))
          return void res.setHeader('content-type', 'application/json').end(JSON.stringify({ id: path.slice(7), name: 'x'.repeat(100) }));
        if (path === '/orders') return void req.resume().on('end', () => res.writeHead(201).end('{"ok":true}'));
        if (path === '/search') {
          req.sift!.activity({ activity_type: 'search', search_query: 'pumps' });
          return void res.end('found');
        }
        if (path === '/health' || path === '/metrics') return void res.end('ok');
        res.writeHead(404).end('not found');
      }),
    );
    runs.http = await exercise(await listen(plain));

    await client.close({ deadlineMs: 10_000 });
    events = await storedEvents(t.nc, t.config.nats.stream);
  });

  afterAll(async () => {
    for (const close of servers) await close();
    await t?.dispose();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it.each([
    ['express', 'shop-express', '/users/{id}'],
    ['fastify', 'shop-fastify', '/users/{id}'],
    ['http', 'shop-http', '/users/42'],
  ])('%s: one api event per request, by route template, skipping health and metrics', (framework, service, usersEndpoint) => {
    const api = events.filter((e) => e.kind === 'api' && e.key === service).map((e) => e.body);
    const { sid, firstBytes } = runs[framework]!;
    expect(api.map((b) => `${b.method} ${b.endpoint} ${b.status}`)).toEqual([
      `GET ${usersEndpoint} 200`,
      `GET ${framework === 'http' ? '/users/43' : usersEndpoint} 200`,
      'POST /orders 201',
      'GET /search 200',
      'GET /nowhere 404',
    ]);
    expect(api[0]).toMatchObject({ user_id: 'u-9', session_id: sid, response_bytes: firstBytes });
    expect(api[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(api[1]).toMatchObject({ session_id: sid });
    expect(api[1]!.user_id).toBeUndefined();
    expect(api[2]).toMatchObject({ request_bytes: Buffer.byteLength(JSON.stringify({ items: [1, 2, 3] })), session_id: sid });
    expect(api[4]!.session_id).not.toBe(sid); // a new visitor gets a new session
    expect(typeof api[0]!.user_agent).toBe('string');
  });

  it.each(['express', 'fastify', 'http'])('%s: keeps the session cookie and records activity in that session', (framework) => {
    const { sid, againSetsCookie } = runs[framework]!;
    expect(sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(againSetsCookie).toBeNull(); // a known session is not re-issued
    const activity = events.filter((e) => e.kind === 'activity' && e.key === 'shop' && e.body.session_id === sid);
    expect(activity.map((e) => e.body)).toEqual([{ session_id: sid, user_id: 'u-9', activity_type: 'search', search_query: 'pumps' }]);
  });
});
