import { Type, type Static } from '@sinclair/typebox';
import { RFC3339 } from '../../contract/event-time-field.js';

/** Body of telemetry.activity.<app>: one thing a user did in a session. */
export const ActivityMessage = Type.Object(
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
    session_id: Type.String({ minLength: 1, maxLength: 256, description: 'The session the activity belongs to.' }),
    user_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'The signed-in user; absent for anonymous sessions.' }),
    ),
    activity_type: Type.String({
      pattern: '^[a-z][a-z0-9_.:-]{0,63}$',
      description: 'page_view, click, search, interaction, login, logout, … (lower case: a letter, then up to 63 of a-z 0-9 _ . : -).',
    }),
    page_url: Type.Optional(Type.String({ maxLength: 2048, description: 'Page the activity happened on.' })),
    element_id: Type.Optional(Type.String({ maxLength: 256, description: 'UI element clicked or used.' })),
    search_query: Type.Optional(Type.String({ maxLength: 1024, description: 'What the user searched for.' })),
    duration_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12, description: 'How long the activity took, in milliseconds.' })),
    metadata: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Unknown(), {
        maxProperties: 64,
        description: 'Free-form details: up to 64 keys; a non-string value is stored as its JSON text.',
      }),
    ),
  },
  {
    $id: 'activity.schema.json',
    title: 'Sift user activity message',
    description: 'Published to <prefix>.activity.<app>.',
    additionalProperties: false,
  },
);

export type ActivityMessage = Static<typeof ActivityMessage>;
