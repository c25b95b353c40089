import type { StoreRequest } from '../../transforms/device-filter/decide.js';
import type { DeviceReading } from './decode.js';

/** A row of telemetry.device_metrics. */
export interface DeviceMetricRow {
  ts: number;
  device_id: string;
  metric: string;
  value: number;
  reason: string;
  labels: Record<string, string>;
  stream_seq: number;
}

/** A row of telemetry.device_metric_partials: one batch's aggregate of one hour, device and metric. */
export interface PartialRow {
  hour: number;
  device_id: string;
  metric: string;
  samples: number;
  min_value: number;
  max_value: number;
  sum_value: number;
  last_ts: number;
  last_value: number;
}

const HOUR_MS = 3_600_000;

/** The rows one store request writes. */
export function storedRows(request: StoreRequest, streamSeq: number): DeviceMetricRow[] {
  const { reading } = request;
  const names = request.metrics ?? Object.keys(reading.metrics);
  return names.map((metric) => ({
    ts: reading.ts,
    device_id: reading.deviceId,
    metric,
    value: reading.metrics[metric]!,
    reason: request.reason,
    labels: reading.labels,
    stream_seq: streamSeq,
  }));
}

/**
 * Folds every received value (stored or not) into per-hour partial aggregates for one batch, so
 * the rollups count all received points while the batch inserts one row per hour, device and metric.
 */
export class RollupAccumulator {
  /** Per hour and device (one key a reading, not one a metric), then per metric. */
  private readonly partials = new Map<string, Map<string, PartialRow>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(reading: DeviceReading): void {
    const hour = reading.ts - (((reading.ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
    const key = `${hour}\u0000${reading.deviceId}`;
    let byMetric = this.partials.get(key);
    if (!byMetric) this.partials.set(key, (byMetric = new Map()));
    for (const metric in reading.metrics) {
      const value = reading.metrics[metric]!;
      const partial = byMetric.get(metric);
      if (!partial) {
        byMetric.set(metric, {
          hour: hour / 1000,
          device_id: reading.deviceId,
          metric,
          samples: 1,
          min_value: value,
          max_value: value,
          sum_value: value,
          last_ts: reading.ts,
          last_value: value,
        });
        this.count++;
        continue;
      }
      partial.samples++;
      if (value < partial.min_value) partial.min_value = value;
      if (value > partial.max_value) partial.max_value = value;
      partial.sum_value += value;
      if (reading.ts >= partial.last_ts) {
        partial.last_ts = reading.ts;
        partial.last_value = value;
      }
    }
  }

  rows(): PartialRow[] {
    const rows: PartialRow[] = [];
    for (const byMetric of this.partials.values()) for (const row of byMetric.values()) rows.push(row);
    return rows;
  }
}
