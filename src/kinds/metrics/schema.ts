import { Type, type Static } from '@sinclair/typebox';
import { MAX_METRIC_MAGNITUDE } from '../../contract/metric-value.js';
import { RFC3339 } from '../../contract/event-time-field.js';

const METRIC_NAME = '^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$';
const LABEL_NAME = '^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$';

/** Body of telemetry.metrics.<device_id>: one reading of several metrics of one device. */
export const DeviceMetricsMessage = Type.Object(
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
    device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Must equal the subject key when given.' })),
    metrics: Type.Record(
      Type.String({ pattern: METRIC_NAME }),
      Type.Number({ minimum: -MAX_METRIC_MAGNITUDE, maximum: MAX_METRIC_MAGNITUDE }),
      {
        minProperties: 1,
        maxProperties: 1000,
        additionalProperties: false,
        description: 'Metric name (a letter or _, then up to 127 of letters, digits, _ . : / -) to a finite number within ±1e300.',
      },
    ),
    labels: Type.Optional(
      Type.Record(Type.String({ pattern: LABEL_NAME }), Type.String({ maxLength: 1024 }), {
        maxProperties: 64,
        additionalProperties: false,
        description: 'Free-form string labels stored with each row.',
      }),
    ),
  },
  {
    $id: 'device-metrics.schema.json',
    title: 'Sift device metrics message',
    description: 'Published to <prefix>.metrics.<device_id>.',
    additionalProperties: false,
  },
);

export type DeviceMetricsMessage = Static<typeof DeviceMetricsMessage>;
