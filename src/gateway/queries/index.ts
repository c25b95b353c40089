import type { FastifyPluginAsync, FastifySchema } from 'fastify';
import etag from '@fastify/etag';
import { AnswerCache } from './answer-cache.js';
import { homepotRoutes } from './homepot.js';
import { metricsServiceRoutes } from './metrics-service.js';
import { digitsOnly, parameterError } from './parameters.js';
import type { QueryDeps } from './query-deps.js';
import type { QueryRoute, RouteInput } from './query-route.js';
import { realtimeRoutes } from './realtime.js';
import { STATUS_PAGE, STATUS_PAGE_HEADERS } from './status-page.js';

export type { QueryDeps } from './query-deps.js';

/** GATEWAY_QUERY_CACHE_TTL_MS's default: dashboards polling every few seconds cost one query per route and 5 s. */
export const DEFAULT_QUERY_CACHE_TTL_MS = 5_000;

export interface QueryRoutesOptions {
  /** GATEWAY_QUERY_CACHE_TTL_MS; 0 turns the cache off. */
  cacheTtlMs?: number;
}

/** Every read route: the replaced systems' query endpoints. */
export const queryRouteTable: readonly QueryRoute[] = [...homepotRoutes, ...metricsServiceRoutes, ...realtimeRoutes];

/** A ClickHouse read failed or ran out of time: 503, one line. */
export class ReadFailedError extends Error {
  override name = 'ReadFailedError';
  readonly statusCode = 503;
}

/** The cache key of a request: its route and the values of its declared parameters only (unknown ones add no entries). */
export function answerKey(route: QueryRoute, input: RouteInput): string {
  const values = [
    ...Object.keys(route.params?.properties ?? {}).map((name) => input.params[name]),
    ...Object.keys(route.querystring?.properties ?? {}).map((name) => input.query[name]),
  ];
  return `${route.url}\n${JSON.stringify(values)}`;
}

/**
 * The read routes as a Fastify plugin: the HOMEPOT analytics, metrics service and real-time
 * tracking query endpoints (each guarded by `deps.requireRead`, cached per route and parameters,
 * answered with an ETag and 304 on If-None-Match) and the live status page at /status.
 */
export function queryRoutes(deps: QueryDeps, options: QueryRoutesOptions = {}): FastifyPluginAsync {
  return async (app) => {
    // Tags are computed once per cached answer; the plugin only compares If-None-Match and sends 304.
    await app.register(etag);
    const now = deps.now ?? Date.now;
    const cache = new AnswerCache({ ttlMs: options.cacheTtlMs ?? DEFAULT_QUERY_CACHE_TTL_MS, now });
    const context = { query: deps.query, now, workerStatus: deps.workerStatus };
    for (const route of queryRouteTable) {
      app.get(
        route.url,
        {
          schema: {
            summary: route.summary,
            tags: [route.tag],
            ...(route.querystring ? { querystring: route.querystring } : {}),
            ...(route.params ? { params: route.params } : {}),
          },
          schemaErrorFormatter: parameterError(route),
          preValidation: digitsOnly(route.querystring),
          preHandler: deps.requireRead,
        },
        async (request, reply) => {
          const input: RouteInput = {
            query: (request.query ?? {}) as Record<string, unknown>,
            params: (request.params ?? {}) as Record<string, string>,
          };
          const answer = await cache.get(answerKey(route, input), () =>
            route.answer(input, context).catch((error: unknown) => {
              throw new ReadFailedError(
                `${route.url}: ClickHouse did not answer: ${(error as Error).message?.split('\n')[0] ?? String(error)}`,
                { cause: error },
              );
            }),
          );
          return (
            reply
              .code(answer.status)
              .header('content-type', 'application/json; charset=utf-8')
              .header('etag', answer.etag)
              // Always revalidate: a poll within the TTL is a 304 from the cache, never a stale browser copy.
              .header('cache-control', 'private, no-cache')
              .send(answer.json)
          );
        },
      );
    }
    // summary and tags are for /openapi.json (@fastify/swagger reads them; FastifySchema does not declare them).
    const pageSchema: FastifySchema = {
      summary: 'Live status page (HTML; asks for a read key, then polls the JSON routes)',
      tags: ['Status page'],
    } as FastifySchema;
    app.get('/status', { schema: pageSchema }, async (_request, reply) =>
      reply.headers(STATUS_PAGE_HEADERS).type('text/html; charset=utf-8').send(STATUS_PAGE),
    );
  };
}
