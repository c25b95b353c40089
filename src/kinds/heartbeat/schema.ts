import { Type, type Static } from '@sinclair/typebox';
import { eventTimeField } from '../../contract/event-time-field.js';

const text = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

/** What an instance says of the machine it runs on. */
export const SystemInfo = Type.Object(
  {
    os: text(64, 'Operating system, e.g. linux, windows, darwin.'),
    os_version: text(128, 'Operating system version.'),
    arch: text(32, 'CPU architecture, e.g. x64, arm64.'),
    hostname: text(256, 'Host name.'),
    runtime: text(64, 'Runtime, e.g. node, python, jvm.'),
    runtime_version: text(64, 'Runtime version.'),
    cpu_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'Logical CPUs.' })),
    memory_bytes: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Total memory in bytes.' })),
  },
  { additionalProperties: false, description: 'The machine the instance runs on.' },
);

/** Body of telemetry.heartbeat.<instance_id>: an instance of an app says it is alive. */
export const HeartbeatMessage = Type.Object(
  {
    ts: eventTimeField(),
    app: Type.String({ minLength: 1, maxLength: 128, description: 'The app this instance runs.' }),
    version: text(128, 'The app version the instance runs.'),
    status: text(64, 'The instance status as it reports it, e.g. ok, degraded, starting.'),
    interval_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 31_536_000,
        description: 'Seconds until the next beat at the latest; an instance is stale after twice this. Default 3600.',
      }),
    ),
    system: Type.Optional(SystemInfo),
  },
  {
    $id: 'heartbeat.schema.json',
    title: 'Sift instance heartbeat message',
    description: 'Published to <prefix>.heartbeat.<instance_id>.',
    additionalProperties: false,
  },
);

export type HeartbeatMessage = Static<typeof HeartbeatMessage>;
