import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Registry } from 'prom-client';
import { startStatusServer } from './http-server.js';

const endpoints = { registry: new Registry(), live: () => true, readiness: () => ({ ready: true, checks: {} }) };

/** A raw TCP client: what it received, and when the server closed it (ms after it connected). */
interface Client {
  socket: Socket;
  received: string;
  closedAfterMs: Promise<number>;
}

function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const client: Client = {
      socket,
      received: '',
      closedAfterMs: new Promise((closed) => socket.on('close', () => closed(performance.now() - started))),
    };
    socket.on('data', (d) => (client.received += String(d)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}

/** Resolves to 'open' if the socket is still open after `ms`. */
const stillOpenAfter = (client: Client, ms: number) =>
  Promise.race([client.closedAfterMs.then((t) => `closed after ${Math.round(t)} ms`), new Promise((r) => setTimeout(() => r('open'), ms))]);

describe('the metrics and health endpoint holds up against slow and greedy clients', () => {
  let server: Server | undefined;
  const clients: Client[] = [];
  const start = async (limits: { maxConnections: number; requestTimeoutMs: number }) => {
    server = await startStatusServer(0, '127.0.0.1', endpoints, limits);
    return (server.address() as AddressInfo).port;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it('closes a connection that never sends a byte', async () => {
    const port = await start({ maxConnections: 8, requestTimeoutMs: 500 });
    const silent = await open(port);
    clients.push(silent);
    expect(await stillOpenAfter(silent, 3_000)).toMatch(/^closed after/);
    expect(await silent.closedAfterMs).toBeGreaterThanOrEqual(450);
  });

  it('closes a connection that sends its headers a byte at a time, past the timeout', async () => {
    const port = await start({ maxConnections: 8, requestTimeoutMs: 500 });
    const slow = await open(port);
    clients.push(slow);
    slow.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => slow.socket.writable && slow.socket.write('X'), 100);
    try {
      expect(await stillOpenAfter(slow, 3_000)).toMatch(/^closed after/);
    } finally {
      clearInterval(drip);
    }
    expect(slow.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses connections past the cap, and serves again once one is gone', async () => {
    const port = await start({ maxConnections: 2, requestTimeoutMs: 10_000 });
    const held = [await open(port), await open(port)];
    clients.push(...held);
    // The server counts a connection once it has accepted it.
    await new Promise((r) => setTimeout(r, 100));
    const extra = await open(port);
    clients.push(extra);
    expect(await stillOpenAfter(extra, 1_000)).toMatch(/^closed after/);
    expect(extra.received).toBe('');
    for (const c of held) expect(await stillOpenAfter(c, 10)).toBe('open');
    held[0]!.socket.destroy();
    await held[0]!.closedAfterMs;
    await new Promise((r) => setTimeout(r, 100));
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
    expect(response.status).toBe(200);
  });
});
