import { kinds } from '../../kinds/registry.js';

/**
 * Route schemas for /openapi.json. Ingest routes judge their bodies with the kinds' own contract
 * code, event by event, so these document and never validate (see noValidation).
 */
export const errorSchema = {
  type: 'object',
  description: 'Every refusal: a stable code and one line naming the problem.',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
};

export const outcomeSchema = {
  type: 'object',
  description: 'Events published and acknowledged by JetStream, and those rejected with their dead-letter reason.',
  properties: {
    accepted: { type: 'integer', minimum: 0 },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, reason: { type: 'string' }, detail: { type: 'string' } },
        required: ['index', 'reason', 'detail'],
      },
    },
  },
  required: ['accepted', 'rejected'],
};

const refusals = {
  400: { ...errorSchema, description: 'The body cannot be read (not JSON, bad gzip, a bad Idempotency-Key).' },
  401: { ...errorSchema, description: 'No API key, or an unknown or revoked one.' },
  403: { ...errorSchema, description: "An event outside the key's kinds or subject keys, or an origin the key does not serve." },
  413: { ...errorSchema, description: 'Body, decoded body or event count over its limit.' },
  415: { ...errorSchema, description: 'A Content-Type or Content-Encoding the gateway does not read.' },
  429: { ...errorSchema, description: "The key's rate is spent; Retry-After says when to try again." },
  503: {
    ...errorSchema,
    description:
      'JetStream did not acknowledge every event: nothing is acknowledged. Retry after Retry-After with the Idempotency-Key header of this answer.',
  },
};

export const ingestResponses = { 202: { ...outcomeSchema, description: 'Every accepted event is stored in JetStream.' }, ...refusals };

/** A kind's body schema by reference (the kinds' schemas are shared schemas, published as components). */
export const kindRef = (schemaFile: string) => ({ $ref: `${schemaFile}#` });

const anyKindEvent = {
  oneOf: kinds.map((k) => kindRef(k.schemaFile)),
  description: "A body of the path's kind (schemas/<kind>.schema.json).",
};

export const eventsBody = {
  content: {
    'application/json': { schema: { oneOf: [anyKindEvent, { type: 'array', items: anyKindEvent }] } },
    'application/x-ndjson': { schema: { type: 'string', description: "One event of the path's kind per line." } },
    'text/plain': { schema: { type: 'string', description: 'JSON or NDJSON as text (what navigator.sendBeacon sends for a string).' } },
  },
};

export const batchBody = {
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          events: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                kind: { type: 'string', enum: kinds.map((k) => k.name) },
                key: { type: 'string', description: 'Subject key: device, service, app or instance id.' },
                event: anyKindEvent,
              },
              required: ['kind', 'key', 'event'],
            },
          },
        },
        required: ['events'],
      },
    },
  },
};

export const ingestHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      description: "Makes a retried request store nothing twice (within the stream's duplicate window).",
    },
    'content-encoding': { type: 'string', enum: ['gzip', 'identity'] },
  },
};

/** Route options that keep schemas as documentation: bodies are judged by the contract code, answers written as they are. */
export const noValidation = {
  validatorCompiler: () => () => true,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
};
