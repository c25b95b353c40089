import type { FastifyPluginAsync } from 'fastify';
import type { GatewayDeps } from '../gateway-deps.js';

/** /healthz and /readyz on the gateway's own port, for load balancers (the metrics port has them too). */
export function statusRoutes(deps: Pick<GatewayDeps, 'live' | 'readiness'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { summary: 'Liveness: 200 while the gateway runs, 503 once it stops' } }, async (_request, reply) =>
      deps.live() ? reply.send({ status: 'ok' }) : reply.code(503).send({ status: 'stopping' }),
    );
    app.get(
      '/readyz',
      { schema: { summary: 'Readiness: 200 when NATS takes publishes and the keys are read' } },
      async (_request, reply) => {
        const { ready, checks } = deps.readiness();
        const failing = Object.entries(checks)
          .filter(([, ok]) => !ok)
          .map(([name]) => name);
        return ready ? reply.send({ status: 'ready', checks }) : reply.code(503).send({ status: 'not ready', failing, checks });
      },
    );
  };
}
