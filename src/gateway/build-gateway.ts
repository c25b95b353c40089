import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { GatewayDeps } from './gateway-deps.js';
import { registerOpenApi, openApiRoute } from './openapi.js';
import { sendRefusal } from './refusal.js';
import { ingestRoutes } from './routes/ingest-routes.js';
import { statusRoutes } from './routes/status-routes.js';
import { queryRoutes, ReadFailedError } from './queries/index.js';
import { requireRead } from './read-access.js';
import { MAX_PUBLISH_KEY_LENGTH } from '../contract/subject-key.js';

/** Fastify's own refusals, worded as the gateway's: one JSON error naming the problem. */
function describeError(error: FastifyError, maxBodyBytes: number): { status: number; code: string; message: string } | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'body_too_large', message: `body is larger than ${maxBodyBytes} bytes (GATEWAY_MAX_BODY_BYTES)` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'unsupported_media_type',
        message: 'Content-Type is not read here; send application/json, application/x-ndjson or text/plain',
      };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'bad_content_length', message: 'Content-Length does not match the body' };
    case 'unsupported_media_type':
      return { status: 415, code: error.code, message: error.message };
    case 'FST_ERR_VALIDATION':
      return { status: 400, code: 'bad_parameter', message: error.message };
  }
  if (error instanceof ReadFailedError) return { status: 503, code: 'read_failed', message: error.message };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: 'bad_request', message: error.message.split('\n')[0]! };
  }
  return undefined;
}

/** Fastify's refusals made before any route runs (an over-long path parameter, a broken URL), worded as the gateway's. */
function frameworkRefusal(error: FastifyError): { status: number; code: string; message: string } {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return {
      status: 414,
      code: 'path_parameter_too_long',
      message: `a path parameter is longer than ${MAX_PUBLISH_KEY_LENGTH} characters, the most a subject key or device id may have`,
    };
  }
  if (error.code === 'FST_ERR_BAD_URL') return { status: 400, code: 'bad_url', message: 'the URL holds a malformed percent-encoding' };
  return { status: error.statusCode ?? 400, code: 'bad_request', message: error.message.split('\n')[0]! };
}

/**
 * The gateway's HTTP server, not yet listening: CORS for browser keys' origins, the ingest routes,
 * the read routes and the status page, /healthz, /readyz and /openapi.json. Every refusal is one JSON error; nothing is logged per request
 * but failures, and a stack only at debug level.
 */
export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const limits = deps.config.gateway;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.maxBodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // headersTimeout is enforced every connectionsCheckingInterval: check each second, not each 30.
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A subject key, and so a device id in a read route's path, may be this long (Fastify's default is 100).
    routerOptions: { maxParamLength: MAX_PUBLISH_KEY_LENGTH },
    frameworkErrors: (error, _request, reply) => void sendRefusal(reply, frameworkRefusal(error)),
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = describeError(error, limits.maxBodyBytes);
    if (known) return sendRefusal(reply, known);
    deps.log.error({ err: error.message, route: request.routeOptions.url }, 'gateway request failed');
    deps.log.debug({ stack: error.stack }, 'gateway request failure stack');
    return sendRefusal(reply, { status: 500, code: 'internal_error', message: 'the gateway failed to handle the request; it is logged' });
  });
  app.setNotFoundHandler((request, reply) =>
    sendRefusal(reply, {
      status: 404,
      code: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
    }),
  );
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  registerOpenApi(app);
  // A preflight carries no key: it is answered for the origins some live browser key serves.
  void app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && deps.keys.servesOrigin(origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Content-Encoding', 'Idempotency-Key'],
    exposedHeaders: ['Retry-After', 'Idempotency-Key'],
    // Pages that fetch with credentials: 'include' (HOMEPOT's frontend sends its login cookie) are
    // refused by the browser without it; only live browser keys' origins get a CORS answer at all.
    credentials: true,
    maxAge: 600,
  });
  void app.register(statusRoutes(deps));
  void app.register(openApiRoute);
  void app.register(ingestRoutes(deps));
  const reads = deps.reads;
  void app.register(
    queryRoutes(
      {
        query: reads.ok ? reads.query : () => Promise.reject(new Error(reads.reason)),
        requireRead: requireRead(deps.keys, reads.ok ? undefined : reads.reason),
        ...(deps.workerStatus ? { workerStatus: deps.workerStatus } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      },
      { cacheTtlMs: deps.config.gateway.queryCacheTtlMs },
    ),
  );
  return app;
}
