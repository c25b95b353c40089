import type { StoreRequest } from '../../transforms/device-filter/decide.js';
import type { TableColumns } from '../../pipeline/batch-output.js';
import type { DeviceReading } from './decode.js';

/** telemetry.device_metrics, as Sift writes it (inserted_at takes its default). */
export const DEVICE_METRICS: TableColumns = {
  table: 'device_metrics',
  columns: ['ts', 'device_id', 'metric', 'value', 'reason', 'labels', 'stream_seq', 'partition', 'trigger'],
};

/** A row of telemetry.device_metrics, in the order of DEVICE_METRICS.columns. */
export type DeviceMetricRow = [ts: number, device_id: string, metric: string, value: number, reason: string, labels: Record<string, string>, stream_seq: number, partition: number, trigger: boolean];

/** A partial aggregate while a batch builds up, named as telemetry.device_metric_partials' columns. */
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

const PARTIAL_COLUMNS = ['hour', 'device_id', 'metric', 'samples', 'min_value', 'max_value', 'sum_value', 'last_ts', 'last_value'] as const;

/** telemetry.device_metric_partials: one batch's aggregate of one hour, device and metric. */
export const DEVICE_METRIC_PARTIALS: TableColumns = { table: 'device_metric_partials', columns: PARTIAL_COLUMNS };

const HOUR_MS = 3_600_000;

/** The rows one store request writes. */
export function storedRows(request: StoreRequest, streamSeq: number, partition = 0): DeviceMetricRow[] {
  const { ts, deviceId, metrics, labels } = request.reading;
  const names = request.metrics ?? Object.keys(metrics);
  const triggers = request.triggers;
  return names.map((metric) => [ts, deviceId, metric, metrics[metric]!, request.reason, labels, streamSeq, partition, triggers !== undefined && triggers.includes(metric)]);
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

  /** Named partials, for reading. */
  partialRows(): PartialRow[] {
    const rows: PartialRow[] = [];
    for (const byMetric of this.partials.values()) for (const row of byMetric.values()) rows.push(row);
    return rows;
  }

  rows(): unknown[][] {
    return this.partialRows().map((p) => PARTIAL_COLUMNS.map((column) => p[column]));
  }
}
