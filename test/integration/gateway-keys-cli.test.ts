import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';
import { freePort } from '../../src/tools/nats-server.js';
import { call, startTestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';

describe('sift keys and sift gateway', () => {
  let t: SiftTestEnv;
  let gateways: Array<Awaited<ReturnType<typeof startTestGateway>>> = [];

  beforeAll(async () => {
    t = await siftTestEnv();
    gateways = [await startTestGateway(t), await startTestGateway(t)];
  });

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await t?.dispose();
  });

  it('creates a key (alone on the last line), lists it without secret or hash, and a revocation reaches both gateways', async () => {
    const created = await siftOk(['keys', 'create', '--name', 'pos', '--kinds', 'usage,job', '--keys', 'store-*', '--rate', '100'], t.env);
    const secret = created.trimEnd().split('\n').at(-1)!;
    expect(secret).toMatch(/^sift_[A-Za-z0-9_-]{43}$/);
    for (const g of gateways) {
      await until(
        async () =>
          (await call(`${g.url}/v1/events/usage/store-1`, { headers: { 'x-api-key': secret }, json: { event: 'sale' } })).status === 202,
        'the new key works on every gateway',
        5_000,
      );
    }

    const listed = await siftOk(['keys', 'list'], t.env);
    expect(listed).toMatch(/^NAME\s+STATE\s+TYPE\s+KINDS/);
    expect(listed).toMatch(/pos\s+active\s+server\s+usage,job\s+store-\*\s+-\s+100\/s\s+no/);
    expect(listed).not.toContain(secret);
    expect(listed).not.toMatch(/[0-9a-f]{64}/);

    expect(await siftOk(['keys', 'revoke', 'pos'], t.env)).toBe('revoked key pos\n');
    const revokedAt = Date.now();
    for (const g of gateways) {
      await until(
        async () =>
          (await call(`${g.url}/v1/events/usage/store-1`, { headers: { 'x-api-key': secret }, json: { event: 'sale' } })).status === 401,
        'the revocation reaches every gateway',
        5_000,
      );
    }
    expect(Date.now() - revokedAt).toBeLessThan(3_000);
    expect(await siftOk(['keys', 'list'], t.env)).toMatch(/pos\s+revoked/);
  });

  it('refuses contradicting or unknown options in one line, and a taken name', async () => {
    const browserRead = await sift(['keys', 'create', '--name', 'web', '--origins', 'https://a.example', '--read'], t.env).done;
    expect(browserRead.code).toBe(2);
    expect(browserRead.stderr.trim().split('\n')).toEqual([
      "sift: --read cannot go with --origins: a browser key is public in its pages, and read rights would let anyone read Sift's data",
    ]);
    const taken = await sift(['keys', 'create', '--name', 'pos', '--kinds', 'usage'], t.env).done;
    expect(taken.stderr).toMatch(/a key named pos exists already/);
    const missing = await sift(['keys', 'revoke', 'nobody'], t.env).done;
    expect(missing.stderr).toMatch(/no key named nobody/);
    const browser = await siftOk(['keys', 'create', '--name', 'web', '--origins', 'https://shop.example.com'], t.env);
    expect(browser).toMatch(/browser key web: kinds activity,error,usage, keys \*, origins https:\/\/shop.example.com, rate 1000\/s/);
  });

  it('sift gateway drains on SIGTERM: refuses new connections, finishes the request in flight', async () => {
    const key = (await siftOk(['keys', 'create', '--name', 'drain', '--kinds', 'usage'], t.env)).trimEnd().split('\n').at(-1)!;
    const port = await freePort();
    const run = sift(['gateway'], { ...t.env, GATEWAY_PORT: String(port), GATEWAY_HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
      'sift gateway is ready',
      15_000,
    );

    // A request whose body is still arriving when SIGTERM comes.
    const body = JSON.stringify({ event: 'in-flight' });
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise((r) => socket.on('close', r));
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /v1/events/usage/app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGTERM');
    await until(
      async () =>
        await fetch(`http://127.0.0.1:${port}/healthz`).then(
          () => false,
          () => true,
        ),
      'the gateway stops accepting connections',
      5_000,
    );
    socket.write(body.slice(5));
    await closed;
    expect(answer).toMatch(/^HTTP\/1.1 202/);
    expect(answer).toContain('{"accepted":1,"rejected":[]}');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"msg":"gateway stopped"');
    expect(result.stderr).not.toMatch(/"level":[56]0/);
  });
});
