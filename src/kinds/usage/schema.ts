import { Type, type Static } from '@sinclair/typebox';
import { eventTimeField, freeFormField } from '../../contract/event-time-field.js';

/** Body of telemetry.usage.<app>: someone used a feature of an app. */
export const UsageMessage = Type.Object(
  {
    ts: eventTimeField(),
    event: Type.String({ minLength: 1, maxLength: 128, description: 'What happened, e.g. export_started, report_viewed.' }),
    feature: Type.Optional(Type.String({ maxLength: 128, description: 'The feature it belongs to.' })),
    user_id: Type.Optional(Type.String({ maxLength: 256, description: 'Who did it; counted as distinct users.' })),
    instance_id: Type.Optional(Type.String({ maxLength: 256, description: 'The app instance it happened on.' })),
    properties: freeFormField(
      'Free-form properties, up to 64 keys; non-string values are stored as their JSON text (at most 1024 characters each).',
    ),
  },
  {
    $id: 'usage.schema.json',
    title: 'Sift feature usage message',
    description: 'Published to <prefix>.usage.<app>.',
    additionalProperties: false,
  },
);

export type UsageMessage = Static<typeof UsageMessage>;
