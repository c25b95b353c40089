import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSiftClient, siftHttp } from '../../packages/client/src/index.js';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { storedEvents } from '../helpers/client-stream.js';
import { until } from '../helpers/until.js';

const T = '2026-11-23T10:00:00Z';

describe('@sift/client start-up, error reporting and switches against a real nats-server', () => {
  let t: SiftTestEnv;
  const dirs: string[] = [];
  const spoolDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sift-client-start-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    t = await siftTestEnv();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.SIFT_CLIENT_ENABLED;
    delete process.env.SIFT_CLIENT_DISABLED_KINDS;
  });
  afterAll(async () => {
    await t?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('sends events published right after start straight to NATS, none through the spool', async () => {
    const client = await createSiftClient({ servers: t.config.nats.url, spoolDir: spoolDir() });
    for (let i = 0; i < 50; i++) client.metrics(`start-${i}`, { ts: T, metrics: { temp: i } });
    expect(client.stats()).toMatchObject({ mode: 'online', spooled: 0 });
    expect(await client.ready(10_000)).toBe(true);
    expect(await client.close()).toMatchObject({ sent: 50, spooled: 0 });
  });

  it('says on stderr, in one line without the password, that it cannot reach a wrong URL when no onError is given', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const client = await createSiftClient({
      servers: 'nats://app:s3cret@127.0.0.1:1',
      spoolDir: spoolDir(),
      retry: { initialMs: 50, maxMs: 100 },
    });
    client.metrics('dev-1', { ts: T, metrics: { temp: 1 } });
    await until(() => lines.length > 0, 'a line on stderr', 5_000);
    await client.close({ deadlineMs: 100 });
    expect(lines[0]).toMatch(/^sift client: NATS connection to nats:\/\/\*\*\*@127\.0\.0\.1:1 failed \(attempt 1\)/);
    expect(lines.join('')).not.toContain('s3cret');
    expect(lines).toHaveLength(1); // later attempts within the minute are held back, not printed
  });

  it('does nothing at all when switched off by SIFT_CLIENT_ENABLED=false: no connection, no spool, no events', async () => {
    process.env.SIFT_CLIENT_ENABLED = 'false';
    const dir = join(spoolDir(), 'never');
    const before = (await storedEvents(t.nc, t.config.nats.stream)).length;
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const client = await createSiftClient({
      servers: 'nats://127.0.0.1:1',
      spoolDir: dir,
      heartbeat: { instanceId: 'off-1', app: 'desk' },
    });
    client.metrics('off', { ts: T, metrics: { temp: 1 } });
    client.publish('usage', 'portal', { ts: T, event: 'export', feature: 'reports' });
    expect(client.stats().mode).toBe('disabled');
    await client.close();
    expect(existsSync(dir)).toBe(false);
    expect(lines).toEqual([]);
    expect(await storedEvents(t.nc, t.config.nats.stream)).toHaveLength(before);
  });

  it('refuses an unreadable switch value in one line naming the variable', async () => {
    process.env.SIFT_CLIENT_ENABLED = 'maybe';
    await expect(createSiftClient({ servers: t.config.nats.url, spoolDir: spoolDir() })).rejects.toThrow(
      /^SIFT_CLIENT_ENABLED="maybe" is not one of/,
    );
  });

  it('leaves out the kinds switched off, by option or SIFT_CLIENT_DISABLED_KINDS, and sends the rest', async () => {
    process.env.SIFT_CLIENT_DISABLED_KINDS = 'usage, heartbeat';
    const before = (await storedEvents(t.nc, t.config.nats.stream)).length;
    const client = await createSiftClient({
      servers: t.config.nats.url,
      spoolDir: spoolDir(),
      heartbeat: { instanceId: 'kinds-1', app: 'desk' },
    });
    client.metrics('kinds-dev', { ts: T, metrics: { temp: 3 } });
    client.publish('usage', 'portal', { ts: T, event: 'export', feature: 'reports' });
    await client.close();
    const byOption = await createSiftClient({ servers: t.config.nats.url, spoolDir: spoolDir(), disabledKinds: ['metrics'] });
    byOption.metrics('kinds-dev', { ts: T, metrics: { temp: 4 } });
    byOption.publish('usage', 'portal', { ts: T, event: 'import', feature: 'reports' });
    await byOption.close();
    const added = (await storedEvents(t.nc, t.config.nats.stream)).slice(before).map((e) => `${e.kind} ${e.key}`);
    expect(added).toEqual(['metrics kinds-dev', 'usage portal']);
  });

  it("runs the README's quickstart example: three kinds sent, the bad body refused at the call", async () => {
    const before = (await storedEvents(t.nc, t.config.nats.stream)).length;
    const out = execFileSync(process.execPath, ['packages/client/examples/quickstart.mjs', t.config.nats.url], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: spoolDir() },
      timeout: 30_000,
    });
    expect(out).toContain('refused at the call: invalid metrics event: /metrics/temp');
    expect(out).toContain('all acknowledged: true');
    const added = (await storedEvents(t.nc, t.config.nats.stream)).slice(before).map((e) => e.kind);
    expect(added.sort()).toEqual(['api', 'heartbeat', 'heartbeat', 'metrics', 'usage']);
  });

  it('passes requests through untouched with the middleware switched off, or the client disabled', async () => {
    const before = (await storedEvents(t.nc, t.config.nats.stream)).length;
    const on = await createSiftClient({ servers: t.config.nats.url, spoolDir: spoolDir() });
    const off = await createSiftClient({ servers: t.config.nats.url, spoolDir: spoolDir(), enabled: false });
    const cookies: Array<string | null> = [];
    for (const [client, enabled] of [
      [on, false],
      [off, true],
    ] as const) {
      const server = createServer(siftHttp(client, { service: 'switched', enabled }, (_req, res) => res.end('ok')));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/page`);
      await response.text();
      cookies.push(response.headers.get('set-cookie'));
      await new Promise((r) => server.close(r));
    }
    await on.close();
    await off.close();
    expect(cookies).toEqual([null, null]);
    expect(await storedEvents(t.nc, t.config.nats.stream)).toHaveLength(before);
  });
});
