import { Type, type Static } from '@sinclair/typebox';
import { eventTimeField } from '../../contract/event-time-field.js';

/** Largest accepted duration: a week, far beyond any request timeout, small enough that sums stay exact. */
export const MAX_DURATION_MS = 604_800_000;

const Text = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));
const Bytes = (description: string) => Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description }));

/** Body of telemetry.api.<service>: one API request a service answered. */
export const ApiRequestMessage = Type.Object(
  {
    ts: eventTimeField(),
    method: Type.String({ pattern: '^[A-Z]{1,16}$', description: 'HTTP method, upper case: GET, POST, PUT, DELETE, …' }),
    endpoint: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'The route as a template (/users/{id}), not the raw path: the rollups keep one row per endpoint.',
    }),
    status: Type.Integer({ minimum: 100, maximum: 599, description: 'HTTP status code.' }),
    duration_ms: Type.Number({ minimum: 0, maximum: MAX_DURATION_MS, description: 'Time to answer, milliseconds (fractions allowed).' }),
    user_id: Text(256, 'Caller user id (PRIVACY may drop or hash it).'),
    session_id: Text(256, 'Caller session id (PRIVACY may drop or hash it).'),
    client_ip: Text(64, 'Caller IP address (PRIVACY may drop or hash it).'),
    user_agent: Text(1024, 'Caller User-Agent header (PRIVACY may drop or hash it).'),
    request_bytes: Bytes('Request body size, bytes.'),
    response_bytes: Bytes('Response body size, bytes.'),
    error: Text(8192, 'Error message the service gave, if any.'),
  },
  {
    $id: 'api.schema.json',
    title: 'Sift API request message',
    description: 'Published to <prefix>.api.<service>.',
    additionalProperties: false,
  },
);

export type ApiRequestMessage = Static<typeof ApiRequestMessage>;
