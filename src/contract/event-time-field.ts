import { Type } from '@sinclair/typebox';

/** RFC 3339 date-time with a zone, e.g. 2026-11-23T19:20:00Z or 2026-11-23T20:20:00.250+01:00. */
export const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

/** The optional `ts` every kind's body may carry, as the metrics schema words it. */
export const eventTimeField = () =>
  Type.Optional(
    Type.Union(
      [
        Type.String({ pattern: RFC3339, description: 'Event time, RFC 3339 with a zone.' }),
        Type.Integer({ minimum: 0, maximum: 253402300799999, description: 'Event time in epoch milliseconds.' }),
      ],
      { description: 'Event time; the JetStream arrival time when absent.' },
    ),
  );

/** A free-form object of string keys (`metadata`, `properties`, `context`); non-string values are stored as their JSON text. */
export const freeFormField = (description: string) =>
  Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Unknown(), { maxProperties: 64, description }));
