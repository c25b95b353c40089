import type { DeviceReading } from '../../src/contract/device-reading.js';

export const T0 = Date.parse('2026-11-23T10:00:00Z');

/** A reading of `device` at T0 + seconds with the given metrics. */
export function reading(
  seconds: number,
  metrics: Record<string, number>,
  device = 'dev-1',
  labels: Record<string, string> = {},
): DeviceReading {
  return { deviceId: device, ts: T0 + seconds * 1000, metrics, labels };
}
