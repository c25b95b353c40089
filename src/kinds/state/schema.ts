import { Type, type Static } from '@sinclair/typebox';
import { eventTimeField, freeFormField } from '../../contract/event-time-field.js';

/** Body of telemetry.state.<device_id>: a device reports the state it is in. */
export const DeviceStateMessage = Type.Object(
  {
    ts: eventTimeField(),
    state: Type.String({ minLength: 1, maxLength: 128, description: 'The state the device is in now, e.g. online, charging, fault.' }),
    previous_state: Type.Optional(
      Type.String({
        maxLength: 128,
        description: 'The state before, as the device saw it; when absent, the last state Sift stored for the device.',
      }),
    ),
    changed_by: Type.Optional(
      Type.String({ maxLength: 256, description: 'Who or what caused the change (a user, an operator, a rule, the device).' }),
    ),
    reason: Type.Optional(Type.String({ maxLength: 1024, description: 'Why the state changed, as the producer tells it.' })),
    metadata: freeFormField(
      'Free-form context, up to 64 keys; non-string values are stored as their JSON text (at most 1024 characters each).',
    ),
  },
  {
    $id: 'state.schema.json',
    title: 'Sift device state message',
    description: 'Published to <prefix>.state.<device_id>.',
    additionalProperties: false,
  },
);

export type DeviceStateMessage = Static<typeof DeviceStateMessage>;
