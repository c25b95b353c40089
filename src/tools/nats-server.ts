import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { packageRoot } from '../package-root.js';

/** Path of a nats-server ≥ 2.11: NATS_SERVER_BIN, else what scripts/fetch-nats-server.sh finds or fetches. */
export function natsServerBinary(): string {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  const path = execFileSync('bash', [join(packageRoot, 'scripts', 'fetch-nats-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  process.env.NATS_SERVER_BIN = path;
  return path;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** The server's process id while it runs (for its CPU time). */
  readonly pid: number | undefined;
  /** Stops the server (SIGKILL when `hard`), keeping its store so it can be started again. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

async function waitUntilReachable(url: string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 });
      await nc.close();
      return;
    } catch (error) {
      if (Date.now() > until) throw new Error(`nats-server at ${url} did not come up: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A local nats-server with JetStream on a free loopback port (demo, benchmarks, tests). */
export async function startNatsServer(options: { storeDir?: string; port?: number } = {}): Promise<NatsServer> {
  const binary = natsServerBinary();
  const port = options.port ?? (await freePort());
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'sift-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, '--http_port', '0'], { stdio: 'ignore' });
    await waitUntilReachable(url);
  };
  const stop = async (hard = false) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await launch();
  return {
    url,
    port,
    storeDir,
    get pid() {
      return child?.pid;
    },
    stop,
    restart: launch,
    dispose: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
