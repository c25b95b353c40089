import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { kindNamed, kinds } from '../../kinds/registry.js';
import { publishKeyProblem } from '../../contract/subject-key.js';
import { parseJsonBody } from '../../contract/json-body.js';
import { eventTimeWindow } from '../../contract/config.js';
import { layoutOf } from '../../sources/jetstream/provision.js';
import { decodeBody } from '../body/decode-body.js';
import { bodyLayout, INGEST_MEDIA_TYPES, mediaType } from '../body/body-layout.js';
import { memberText, splitBatch, splitEvents } from '../body/split-events.js';
import { compatRoutes } from '../compat/index.js';
import type { CompatRequest, CompatRoute } from '../compat/compat-route.js';
import type { GatewayDeps } from '../gateway-deps.js';
import { ingestEvents, type IngestDeps, type RequestEvent } from '../ingest/ingest-events.js';
import { idempotencyKey, requestFingerprint } from '../publishing/message-id.js';
import { sendRefusal, type Step } from '../refusal.js';
import { keyOf, requireKey } from '../request-key.js';
import { batchBody, eventsBody, ingestHeaders, ingestResponses, noValidation } from './route-schemas.js';

/** The body as text, gzip decoded and bounded. */
function bodyText(request: FastifyRequest, maxDecompressedBytes: number): Promise<Step<string>> {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  return decodeBody(raw, request.headers['content-encoding'], maxDecompressedBytes);
}

/** The Idempotency-Key with what a retry of this request repeats (its message ids come from both). */
const retryIdentity = (request: FastifyRequest, idempotency: { key: string }, body: string) => ({
  key: idempotency.key,
  fingerprint: requestFingerprint(request.method, request.url, body),
});

/** Item `index` of a batch to an event to judge, or the reason it cannot be one. */
function batchItem(text: string, index: number): RequestEvent {
  const parsed = parseJsonBody(new TextEncoder().encode(text));
  if (!parsed.ok) return { rejected: { kind: undefined, reason: parsed.reason, detail: `/events/${index}: ${parsed.detail}` } };
  const item = parsed.value as Record<string, unknown> | null;
  const kind = typeof item?.kind === 'string' ? item.kind : undefined;
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(item) || kind === undefined || typeof item!.key !== 'string' || !isObject(item!.event)) {
    return {
      rejected: { kind, reason: 'schema', detail: `/events/${index}: an item is {"kind": string, "key": string, "event": object}` },
    };
  }
  return { candidate: { kind, key: item!.key as string, text: memberText(text, 'event')! } };
}

/**
 * The routes that take events: POST /v1/events/{kind}/{key}, POST /v1/batch and the replaced
 * systems' endpoints. Their own context reads bodies as bytes (JSON, NDJSON, text/plain, gzip) and
 * checks the key before reading any.
 */
export function ingestRoutes(deps: GatewayDeps): FastifyPluginAsync {
  const { config } = deps;
  const limits = config.gateway;
  const ingest: IngestDeps = {
    link: deps.link,
    budgets: deps.budgets,
    metrics: deps.metrics,
    layout: layoutOf(config.nats),
    judge: { maxMsgBytes: config.nats.maxMsgBytes, window: eventTimeWindow(config.eventTime) },
    publishTimeoutMs: limits.publishTimeoutMs,
    now: deps.now,
  };
  const compat = deps.compat ?? compatRoutes;

  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(INGEST_MEDIA_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
      // A body without a Content-Type (a bare POST from a script) is read as JSON.
      if (!request.headers['content-type']) return done(null, body);
      const type = mediaType(request.headers['content-type']).slice(0, 80);
      done(
        Object.assign(new Error(`Content-Type ${type} is not read here; send application/json, application/x-ndjson or text/plain`), {
          statusCode: 415,
          code: 'unsupported_media_type',
        }),
      );
    });
    app.addHook('onRequest', requireKey(deps.keys));

    app.post<{ Params: { kind: string; key: string } }>(
      '/v1/events/:kind/:key',
      {
        ...noValidation,
        schema: {
          summary: 'Events of one kind under one subject key: one JSON object, a JSON array of them, or NDJSON; gzip accepted',
          params: {
            type: 'object',
            properties: { kind: { type: 'string', enum: kinds.map((k) => k.name) }, key: { type: 'string' } },
            required: ['kind', 'key'],
          },
          headers: ingestHeaders,
          body: eventsBody,
          response: ingestResponses,
        },
      },
      async (request, reply) => {
        const { kind, key } = request.params;
        if (!kindNamed(kind))
          return sendRefusal(reply, {
            status: 404,
            code: 'unknown_kind',
            message: `no kind "${kind.slice(0, 64)}" (known: ${kinds.map((k) => k.name).join(', ')})`,
          });
        const badKey = publishKeyProblem(key);
        if (badKey) return sendRefusal(reply, { status: 400, code: 'bad_key', message: badKey });
        const idempotency = idempotencyKey(request.headers['idempotency-key']);
        if (!idempotency.ok) return sendRefusal(reply, idempotency.refusal);
        const text = await bodyText(request, limits.maxDecompressedBytes);
        if (!text.ok) return sendRefusal(reply, text.refusal);
        const split = splitEvents(text.value, bodyLayout(request.headers['content-type']), limits.maxEventsPerRequest);
        if (!split.ok) return sendRefusal(reply, split.refusal);
        const outcome = await ingestEvents(
          split.value.map((t) => ({ candidate: { kind, key, text: t } })),
          keyOf(request),
          retryIdentity(request, idempotency.value, text.value),
          ingest,
        );
        return outcome.ok ? reply.code(202).send(outcome.value) : sendRefusal(reply, outcome.refusal);
      },
    );

    app.post(
      '/v1/batch',
      {
        ...noValidation,
        schema: {
          summary: 'Events of any kinds and subject keys: {"events": [{"kind", "key", "event"}]}; gzip accepted',
          headers: ingestHeaders,
          body: batchBody,
          response: ingestResponses,
        },
      },
      async (request, reply) => {
        const idempotency = idempotencyKey(request.headers['idempotency-key']);
        if (!idempotency.ok) return sendRefusal(reply, idempotency.refusal);
        const text = await bodyText(request, limits.maxDecompressedBytes);
        if (!text.ok) return sendRefusal(reply, text.refusal);
        const split = splitBatch(text.value, limits.maxEventsPerRequest);
        if (!split.ok) return sendRefusal(reply, split.refusal);
        const outcome = await ingestEvents(
          split.value.map(batchItem),
          keyOf(request),
          retryIdentity(request, idempotency.value, text.value),
          ingest,
        );
        return outcome.ok ? reply.code(202).send(outcome.value) : sendRefusal(reply, outcome.refusal);
      },
    );

    for (const route of compat) registerCompatRoute(app, route, deps, ingest);
  };
}

/** A replaced system's endpoint: its body mapped to events, judged and published like the native routes, answered in its own shape. */
function registerCompatRoute(app: FastifyInstance, route: CompatRoute, deps: GatewayDeps, ingest: IngestDeps): void {
  const limits = deps.config.gateway;
  app.route({
    method: route.method,
    url: route.url,
    ...noValidation,
    schema: { summary: route.summary, ...(route.body ? { body: route.body } : {}), headers: ingestHeaders },
    handler: async (request, reply) => {
      const idempotency = idempotencyKey(request.headers['idempotency-key']);
      if (!idempotency.ok) return sendRefusal(reply, idempotency.refusal);
      let body: unknown;
      let bodyRead = '';
      if (route.method === 'POST') {
        const text = await bodyText(request, limits.maxDecompressedBytes);
        if (!text.ok) return sendRefusal(reply, text.refusal);
        bodyRead = text.value;
        if (text.value.trim() !== '') {
          const parsed = parseJsonBody(new TextEncoder().encode(text.value));
          if (!parsed.ok) return sendRefusal(reply, { status: 400, code: parsed.reason, message: `body: ${parsed.detail}` });
          body = parsed.value;
        }
      }
      const compatRequest: CompatRequest = {
        body,
        params: request.params as Record<string, string>,
        query: Object.fromEntries(
          Object.entries((request.query ?? {}) as Record<string, unknown>).filter(([name, v]) => name !== 'key' && typeof v === 'string'),
        ) as Record<string, string>,
        receivedAt: new Date((deps.now ?? Date.now)()),
      };
      const mapped = route.toEvents(compatRequest);
      if (!mapped.ok) return sendRefusal(reply, { status: 400, code: 'bad_request', message: mapped.detail });
      if (mapped.events.length > limits.maxEventsPerRequest) {
        return sendRefusal(reply, {
          status: 413,
          code: 'too_many_events',
          message: `more than ${limits.maxEventsPerRequest} events in one request (GATEWAY_MAX_EVENTS_PER_REQUEST)`,
        });
      }
      const events = mapped.events.map((e) => ({ candidate: { kind: e.kind, key: e.key, text: JSON.stringify(e.event) } }));
      const outcome = await ingestEvents(events, keyOf(request), retryIdentity(request, idempotency.value, bodyRead), ingest);
      if (!outcome.ok) return sendRefusal(reply, outcome.refusal);
      const answer = route.respond(outcome.value, compatRequest);
      return reply.code(answer.status).send(answer.body);
    },
  });
}
