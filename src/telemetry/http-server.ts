import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export interface Readiness {
  ready: boolean;
  /** Each check by name: true when passing. */
  checks: Record<string, boolean>;
}

export interface StatusEndpoints {
  registry: Registry;
  /** The main loop is alive (false once the worker is stopping). */
  live(): boolean;
  readiness(): Readiness;
}

/** One HTTP server: /metrics for Prometheus, /healthz for liveness, /readyz for readiness. */
export async function startStatusServer(port: number, host: string, endpoints: StatusEndpoints): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'GET only' });
    if (path === '/metrics') {
      endpoints.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': endpoints.registry.contentType });
          res.end(text);
        },
        (error: unknown) => json(500, { error: (error as Error).message }),
      );
      return;
    }
    if (path === '/healthz') return endpoints.live() ? json(200, { status: 'ok' }) : json(503, { status: 'stopping' });
    if (path === '/readyz') {
      const { ready, checks } = endpoints.readiness();
      const failing = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
      return json(ready ? 200 : 503, ready ? { status: 'ready', checks } : { status: 'not ready', failing, checks });
    }
    json(404, { error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortInUseError(`metrics port ${host}:${port} (METRICS_PORT) is in use: another worker on this host? Give each its own METRICS_PORT, or 0 for none`, { cause: error }));
      else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
  return server;
}
