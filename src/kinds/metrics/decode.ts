import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DeviceMetricsMessage } from './schema.js';
import { isPlainDeviceMetrics } from './schema-check.js';
import { deadLetter, decoded as ok, type Decoded } from '../../pipeline/result.js';
import { parseJsonBody } from '../../contract/json-body.js';
import { parseEventTime, type EventTimeWindow } from '../../contract/event-time.js';
import { checkMetricValues } from '../../contract/metric-value.js';
import { describeSchemaError } from '../../contract/schema-errors.js';
import type { DeviceReading } from '../../contract/device-reading.js';

const validator = TypeCompiler.Compile(DeviceMetricsMessage);
const EMPTY_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Why a body failed the schema, most specific first: a bad ts or metric value has its own reason and wording. */
function schemaFailure(body: unknown, arrivalMs: number, window: EventTimeWindow): Decoded<never> {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const metrics = fields?.metrics;
  if (typeof metrics === 'object' && metrics !== null) {
    const values = checkMetricValues(metrics as Record<string, unknown>);
    if (!values.ok) return values;
  }
  const first = validator.Errors(body).First();
  if (!first) return deadLetter('schema', 'does not match the device metrics schema');
  if (first.path === '/ts') {
    const ts = parseEventTime(fields?.ts, arrivalMs, window);
    if (!ts.ok) return ts;
  }
  return deadLetter('schema', describeSchemaError(first));
}

/**
 * Bytes of one telemetry.metrics.<device_id> message to a reading, or a dead-letter reason.
 * `arrivalMs` (the JetStream message time) stands in for a missing `ts` and anchors the window
 * of accepted event times.
 */
export function decodeDeviceMetrics(
  data: Uint8Array,
  deviceId: string,
  arrivalMs: number,
  window: EventTimeWindow,
): Decoded<DeviceReading> {
  const parsed = parseJsonBody(data);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (!isPlainDeviceMetrics(body) && !validator.Check(body)) return schemaFailure(body, arrivalMs, window);
  if (body.device_id !== undefined && body.device_id !== deviceId) {
    return deadLetter(
      'device_mismatch',
      `body device_id ${JSON.stringify(body.device_id)} differs from subject key ${JSON.stringify(deviceId)}`,
    );
  }
  const ts = parseEventTime(body.ts, arrivalMs, window);
  if (!ts.ok) return ts;
  return ok({ deviceId, ts: ts.value, metrics: body.metrics, labels: body.labels ?? EMPTY_LABELS });
}
