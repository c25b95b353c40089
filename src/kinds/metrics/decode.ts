import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DeviceMetricsMessage } from './schema.js';
import { deadLetter, decoded as ok, type Decoded } from '../../pipeline/result.js';

/** A validated device reading: metric names and values side by side, event time in epoch ms. */
export interface DeviceReading {
  deviceId: string;
  ts: number;
  metrics: Record<string, number>;
  labels: Record<string, string>;
}

const validator = TypeCompiler.Compile(DeviceMetricsMessage);
const decoder = new TextDecoder('utf-8', { fatal: true });
const EMPTY_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Finds a metric whose JSON number overflowed to ±Infinity (e.g. 1e999), to name it in the reason. */
function nonFiniteMetric(body: unknown): string | undefined {
  const metrics = (body as { metrics?: unknown })?.metrics;
  if (typeof metrics !== 'object' || metrics === null) return undefined;
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value === 'number' && !Number.isFinite(value)) return name;
  }
  return undefined;
}

/**
 * Bytes of one telemetry.metrics.<device_id> message to a reading, or a dead-letter reason.
 * `arrivalMs` (the JetStream message time) stands in for a missing `ts`.
 */
export function decodeDeviceMetrics(data: Uint8Array, deviceId: string, arrivalMs: number): Decoded<DeviceReading> {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(data));
  } catch (error) {
    return deadLetter('not_json', (error as Error).message);
  }
  if (!validator.Check(body)) {
    const metric = nonFiniteMetric(body);
    if (metric !== undefined) return deadLetter('non_finite', `metrics.${metric} is not a finite number`);
    const first = validator.Errors(body).First();
    return deadLetter('schema', first ? `${first.path || '/'}: ${first.message}` : 'does not match the device metrics schema');
  }
  if (body.device_id !== undefined && body.device_id !== deviceId) {
    return deadLetter('device_mismatch', `body device_id "${body.device_id}" differs from subject key "${deviceId}"`);
  }
  let ts = arrivalMs;
  if (typeof body.ts === 'number') ts = body.ts;
  else if (typeof body.ts === 'string') {
    ts = Date.parse(body.ts);
    if (Number.isNaN(ts)) return deadLetter('schema', `/ts: "${body.ts}" is not a valid date-time`);
  }
  return ok({ deviceId, ts, metrics: body.metrics, labels: body.labels ?? EMPTY_LABELS });
}
