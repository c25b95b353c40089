import { fork } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../package-root.js';
import type { QueryServerCount, QueryServerReady, QueryServerRequest } from './query-server.js';

export interface QueryServerProcess {
  pid: number;
  cachedUrl: string;
  uncachedUrl: string;
  /** The device of the latest stored state change, for the device-state-history route. */
  deviceId: string | undefined;
  /** ClickHouse statements run so far. */
  queries(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts dist/bench/gateway/query-server.js (the read routes on the engine at CLICKHOUSE_EMBEDDED_PATH) and waits until it serves. */
export async function startQueryServer(env: NodeJS.ProcessEnv, cacheTtlMs: number, readyWithinMs = 60_000): Promise<QueryServerProcess> {
  const child = fork(join(packageRoot, 'dist', 'bench', 'gateway', 'query-server.js'), [String(cacheTtlMs)], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const ready = await new Promise<QueryServerReady>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bench query server was not ready within ${readyWithinMs} ms: ${stderr.trim()}`));
    }, readyWithinMs);
    child.once('message', (message: QueryServerReady) => {
      clearTimeout(timer);
      resolve(message);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the bench query server exited ${code}: ${stderr.trim()}`));
    });
  });
  const ask = (request: QueryServerRequest) => child.send(request);
  return {
    pid: child.pid!,
    cachedUrl: `http://127.0.0.1:${ready.cachedPort}`,
    uncachedUrl: `http://127.0.0.1:${ready.uncachedPort}`,
    deviceId: ready.deviceId,
    queries: () =>
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`the bench query server is gone: ${stderr.trim()}`));
        child.once('message', (message: QueryServerCount) => resolve(message.queries));
        ask('count');
      }),
    stop: async () => {
      if (child.connected) ask('stop');
      const code = await exited;
      if (code !== '0') throw new Error(`the bench query server exited ${code}: ${stderr.trim()}`);
    },
  };
}
