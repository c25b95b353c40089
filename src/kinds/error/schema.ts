import { Type, type Static } from '@sinclair/typebox';
import { RFC3339 } from '../../contract/event-time-field.js';

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/** Body of telemetry.error.<source>: one error a service, app or device reported. */
export const ErrorMessage = Type.Object(
  {
    ts: Type.Optional(
      Type.Union(
        [
          Type.String({ pattern: RFC3339, description: 'Event time, RFC 3339 with a zone.' }),
          Type.Integer({ minimum: 0, maximum: 253402300799999, description: 'Event time in epoch milliseconds.' }),
        ],
        { description: 'Event time; the JetStream arrival time when absent.' },
      ),
    ),
    category: Type.String({
      pattern: '^[a-z][a-z0-9_.-]{0,63}$',
      description:
        'Lower-case area of the error: api, database, external_service, validation, frontend, device, … (a letter, then up to 63 of a-z 0-9 _ . -).',
    }),
    severity: Type.Union(
      SEVERITIES.map((s) => Type.Literal(s)),
      { description: 'critical, error, warning or info.' },
    ),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Error code, part of the fingerprint.' })),
    message: Type.String({
      minLength: 1,
      maxLength: 8192,
      description: 'What went wrong; numbers, hex ids and UUIDs are normalized for the fingerprint.',
    }),
    stack: Type.Optional(Type.String({ maxLength: 8192, description: 'Stack trace.' })),
    context: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Unknown(), {
        maxProperties: 64,
        description: 'Free-form details (request id, user, host, …): up to 64 keys; a non-string value is stored as its JSON text.',
      }),
    ),
  },
  {
    $id: 'error.schema.json',
    title: 'Sift error message',
    description: 'Published to <prefix>.error.<source>.',
    additionalProperties: false,
  },
);

export type ErrorMessage = Static<typeof ErrorMessage>;
