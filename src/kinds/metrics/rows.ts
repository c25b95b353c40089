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

/** A partial in the column order of device_metric_partials, so a batch inserts it as it is. */
type PartialTuple = [hour: number, device_id: string, metric: string, samples: number, min_value: number, max_value: number, sum_value: number, last_ts: number, last_value: number];

/** One device's partials of one hour; a device whose batch spans an hour boundary chains a second. */
interface DeviceHour {
  hour: number;
  metrics: Map<string, PartialTuple>;
  next: DeviceHour | undefined;
}

/**
 * Folds every received value (stored or not) into per-hour partial aggregates for one batch, so
 * the rollups count all received points while the batch inserts one row per hour, device and metric.
 * Keyed by device, then hour by a short chain (a batch rarely spans two hours): a key string of
 * hour and device built per message cost more than the rest of the fold.
 */
export class RollupAccumulator {
  private readonly byDevice = new Map<string, DeviceHour>();
  private readonly tuples: PartialTuple[] = [];

  get size(): number {
    return this.tuples.length;
  }

  add(reading: DeviceReading): void {
    const hourMs = reading.ts - (((reading.ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
    const hour = hourMs / 1000;
    let entry = this.byDevice.get(reading.deviceId);
    if (entry === undefined) this.byDevice.set(reading.deviceId, (entry = { hour, metrics: new Map(), next: undefined }));
    else {
      while (entry.hour !== hour && entry.next !== undefined) entry = entry.next;
      if (entry.hour !== hour) entry = entry.next = { hour, metrics: new Map(), next: undefined };
    }
    const byMetric = entry.metrics;
    for (const metric in reading.metrics) {
      const value = reading.metrics[metric]!;
      const partial = byMetric.get(metric);
      if (partial === undefined) {
        const created: PartialTuple = [hour, reading.deviceId, metric, 1, value, value, value, reading.ts, value];
        byMetric.set(metric, created);
        this.tuples.push(created);
        continue;
      }
      partial[3]++;
      if (value < partial[4]) partial[4] = value;
      if (value > partial[5]) partial[5] = value;
      partial[6] += value;
      if (reading.ts >= partial[7]) {
        partial[7] = reading.ts;
        partial[8] = value;
      }
    }
  }

  /** Named partials, for reading. */
  partialRows(): PartialRow[] {
    return this.tuples.map(([hour, device_id, metric, samples, min_value, max_value, sum_value, last_ts, last_value]) => ({
      hour,
      device_id,
      metric,
      samples,
      min_value,
      max_value,
      sum_value,
      last_ts,
      last_value,
    }));
  }

  /** The partials in column order, in the order they were first seen (the tuples themselves). */
  rows(): unknown[][] {
    return this.tuples;
  }
}
