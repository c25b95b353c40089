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

/** What a client may hold: a scraper or probe needs a few short requests, nothing more. */
export interface ConnectionLimits {
  maxConnections: number;
  /** For the headers and for the whole request; a connection that sends nothing is closed after it. */
  requestTimeoutMs: number;
}

/** Idle keep-alive connections: Prometheus reuses one per scrape interval, probes open their own. */
const KEEP_ALIVE_MS = 5_000;

/**
 * One HTTP server: /metrics for Prometheus, /healthz for liveness, /readyz for readiness. Slow or
 * silent clients are timed out and connections are capped, so nobody can hold the port's sockets.
 */
export async function startStatusServer(port: number, host: string, endpoints: StatusEndpoints, limits: ConnectionLimits): Promise<Server> {
  const { requestTimeoutMs } = limits;
  const server = createServer(
    {
      headersTimeout: requestTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: Math.min(KEEP_ALIVE_MS, requestTimeoutMs),
      // The timeouts are checked this often (Node's default, 30 s, let a silent client stay 1.5 times as long).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
    },
    (req, res) => {
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
        const failing = Object.entries(checks)
          .filter(([, ok]) => !ok)
          .map(([name]) => name);
        return json(ready ? 200 : 503, ready ? { status: 'ready', checks } : { status: 'not ready', failing, checks });
      }
      json(404, { error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] });
    },
  );
  // Past the cap Node closes a new connection at once, before reading a byte of it.
  server.maxConnections = limits.maxConnections;
  server.timeout = requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new PortInUseError(
            `metrics port ${host}:${port} (METRICS_PORT) is in use: another worker on this host? Give each its own METRICS_PORT, or 0 for none`,
            { cause: error },
          ),
        );
      else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
  return server;
}
