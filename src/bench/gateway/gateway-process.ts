import { spawn, execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../package-root.js';
import { sleep } from '../../util/timing.js';

const siftMain = join(packageRoot, 'dist', 'cli', 'main.js');
const run = promisify(execFile);

/** `sift keys create` with `args`; returns the key, which it prints alone on its last line. */
export async function createKeyWithCli(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [siftMain, 'keys', 'create', ...args], { env: { ...process.env, ...env } });
  const key = stdout.trim().split('\n').pop() ?? '';
  if (!key.startsWith('sift_')) throw new Error(`sift keys create printed no key: ${stdout.slice(-500)}`);
  return key;
}

/** A `sift gateway` child process. */
export interface GatewayProcess {
  pid: number;
  url: string;
  /** SIGTERM, then waits for it to exit; rejects when it exits other than 0. */
  stop(): Promise<void>;
}

/**
 * Starts `sift gateway` in its own process on a loopback port (its metrics server off) and waits
 * until its /readyz answers 200: keys read, a publishing connection open.
 */
export async function startGatewayProcess(env: NodeJS.ProcessEnv, port: number, readyWithinMs = 30_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [siftMain, 'gateway'], {
    env: { ...process.env, ...env, GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(port), METRICS_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sift gateway exited ${child.exitCode}: ${stderr.trim()}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`sift gateway was not ready within ${readyWithinMs} ms: ${stderr.trim()}`);
    }
    await sleep(200);
  }
  return {
    pid: child.pid!,
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`sift gateway exited ${code} on SIGTERM: ${stderr.trim()}`);
    },
  };
}
