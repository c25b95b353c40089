import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiftClient } from '../client.js';
import { trackRequest, type SiftHttpOptions, type SiftRequestContext } from './request-tracker.js';

/** The parts of Fastify the plugin uses (Fastify itself is not imported). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
  sift?: SiftRequestContext | undefined;
}
interface FastifyReplyLike {
  raw: ServerResponse;
}
interface FastifyLike {
  decorateRequest(name: string, value: unknown): unknown;
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void): unknown;
}

/**
 * Fastify plugin: `await app.register(siftFastify, { client, service: 'billing' })`. The endpoint
 * is the route template (request.routeOptions.url). Applies to the whole app, as fastify-plugin would.
 */
export function siftFastify(fastify: FastifyLike, options: SiftHttpOptions & { client: SiftClient }, done: (error?: Error) => void): void {
  fastify.decorateRequest('sift', null);
  fastify.addHook('onRequest', (request, reply, next) => {
    const context = trackRequest(options.client, options, request.raw, reply.raw, () => request.routeOptions?.url);
    if (context) request.sift = context;
    next();
  });
  done();
}
// Registered without its own encapsulation context, so the hook sees every route.
(siftFastify as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(siftFastify as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'sift';
