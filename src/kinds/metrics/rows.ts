import type { StoreRequest } from '../../transforms/device-filter/decide.js';
import type { TableColumns } from '../../pipeline/batch-output.js';
import type { DeviceReading } from '../../contract/device-reading.js';

/** telemetry.device_metrics, as Sift writes it (inserted_at takes its default). */
export const DEVICE_METRICS: TableColumns = {
  table: 'device_metrics',
  columns: ['ts', 'device_id', 'metric', 'value', 'reason', 'labels', 'stream_seq', 'partition', 'trigger'],
};

/** A row of telemetry.device_metrics, in the order of DEVICE_METRICS.columns. */
export type DeviceMetricRow = [
  ts: number,
  device_id: string,
  metric: string,
  value: number,
  reason: string,
  labels: Record<string, string>,
  stream_seq: number,
  partition: number,
  trigger: boolean,
];

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
  return names.map((metric) => [
    ts,
    deviceId,
    metric,
    metrics[metric]!,
    request.reason,
    labels,
    streamSeq,
    partition,
    triggers?.includes(metric) ?? false,
  ]);
}

/** A partial in the column order of device_metric_partials. */
type PartialTuple = [
  hour: number,
  device_id: string,
  metric: string,
  samples: number,
  min_value: number,
  max_value: number,
  sum_value: number,
  last_ts: number,
  last_value: number,
];

/**
 * One device's partials of one hour; a device whose batch spans an hour boundary chains a second.
 * The metrics of its first reading hold consecutive slots from `first`, so a later reading listing
 * the same metrics in the same order (the rule) finds each by one comparison, with no map per
 * device; metrics seen later, or out of that order, go through `extra`.
 */
interface DeviceHour {
  hour: number;
  first: number;
  count: number;
  extra: Map<string, number> | undefined;
  next: DeviceHour | undefined;
}

const INITIAL_SLOTS = 1024;
/** First metrics of a device-hour searched by a scan; more go through an index. */
const SCAN_LIMIT = 16;

/**
 * Folds every received value (stored or not) into per-hour partial aggregates for one batch, so
 * the rollups count all received points while the batch inserts one row per hour, device and metric.
 * Keyed by device, then hour by a short chain (a batch rarely spans two hours): a key string of
 * hour and device built per message cost more than the rest of the fold.
 *
 * The figures live in typed columns, one slot per partial: they outlive many young-generation
 * collections (a batch lasts up to BATCH_MAX_WAIT_MS), and as array elements each update boxed a
 * new number that the collector then copied and promoted. Rows are built once, at flush.
 */
export class RollupAccumulator {
  private readonly byDevice = new Map<string, DeviceHour>();
  private readonly deviceIds: string[] = [];
  private readonly metricNames: string[] = [];
  private hours = new Float64Array(INITIAL_SLOTS);
  private samples = new Float64Array(INITIAL_SLOTS);
  private minValues = new Float64Array(INITIAL_SLOTS);
  private maxValues = new Float64Array(INITIAL_SLOTS);
  private sums = new Float64Array(INITIAL_SLOTS);
  private lastTs = new Float64Array(INITIAL_SLOTS);
  private lastValues = new Float64Array(INITIAL_SLOTS);

  get size(): number {
    return this.deviceIds.length;
  }

  add(reading: DeviceReading): void {
    const ts = reading.ts;
    const hourMs = ts - (((ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
    const hour = hourMs / 1000;
    let entry = this.byDevice.get(reading.deviceId);
    if (entry === undefined) {
      this.byDevice.set(reading.deviceId, this.openHour(hour, reading));
      return;
    }
    while (entry.hour !== hour && entry.next !== undefined) entry = entry.next;
    if (entry.hour !== hour) {
      entry.next = this.openHour(hour, reading);
      return;
    }
    let position = 0;
    for (const metric in reading.metrics) {
      const value = reading.metrics[metric]!;
      const slot = this.slotOf(entry, metric, position++);
      if (slot < 0) {
        (entry.extra ??= new Map()).set(metric, this.open(hour, reading.deviceId, metric, ts, value));
        continue;
      }
      this.samples[slot]!++;
      if (value < this.minValues[slot]!) this.minValues[slot] = value;
      if (value > this.maxValues[slot]!) this.maxValues[slot] = value;
      this.sums[slot]! += value;
      if (ts >= this.lastTs[slot]!) {
        this.lastTs[slot] = ts;
        this.lastValues[slot] = value;
      }
    }
  }

  /** A device-hour holding its first reading: a partial for each of its metrics, in consecutive slots. */
  private openHour(hour: number, reading: DeviceReading): DeviceHour {
    const entry: DeviceHour = { hour, first: this.deviceIds.length, count: 0, extra: undefined, next: undefined };
    for (const metric in reading.metrics) {
      this.open(hour, reading.deviceId, metric, reading.ts, reading.metrics[metric]!);
      entry.count++;
    }
    return entry;
  }

  /** The slot of `metric`, expected at `position` of the device-hour's first metrics; -1 when it has none. */
  private slotOf(entry: DeviceHour, metric: string, position: number): number {
    const names = this.metricNames;
    if (position < entry.count && names[entry.first + position] === metric) return entry.first + position;
    if (entry.count <= SCAN_LIMIT) {
      for (let i = 0; i < entry.count; i++) if (names[entry.first + i] === metric) return entry.first + i;
      return entry.extra?.get(metric) ?? -1;
    }
    // Many metrics out of order: an index of the first ones, which later ones then join.
    if (entry.extra === undefined) {
      entry.extra = new Map();
      for (let i = 0; i < entry.count; i++) entry.extra.set(names[entry.first + i]!, entry.first + i);
    }
    return entry.extra.get(metric) ?? -1;
  }

  /** A new partial holding one value; returns its slot. */
  private open(hour: number, deviceId: string, metric: string, ts: number, value: number): number {
    const slot = this.deviceIds.length;
    if (slot === this.hours.length) this.grow();
    this.deviceIds.push(deviceId);
    this.metricNames.push(metric);
    this.hours[slot] = hour;
    this.samples[slot] = 1;
    this.minValues[slot] = value;
    this.maxValues[slot] = value;
    this.sums[slot] = value;
    this.lastTs[slot] = ts;
    this.lastValues[slot] = value;
    return slot;
  }

  private grow(): void {
    const bigger = (column: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const next = new Float64Array(column.length * 2);
      next.set(column);
      return next;
    };
    this.hours = bigger(this.hours);
    this.samples = bigger(this.samples);
    this.minValues = bigger(this.minValues);
    this.maxValues = bigger(this.maxValues);
    this.sums = bigger(this.sums);
    this.lastTs = bigger(this.lastTs);
    this.lastValues = bigger(this.lastValues);
  }

  /** Named partials, for reading. */
  partialRows(): PartialRow[] {
    return this.tuples().map(([hour, device_id, metric, samples, min_value, max_value, sum_value, last_ts, last_value]) => ({
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

  /** The partials in column order, in the order they were first seen. */
  rows(): unknown[][] {
    return this.tuples();
  }

  private tuples(): PartialTuple[] {
    const out: PartialTuple[] = new Array(this.size);
    for (let i = 0; i < out.length; i++) {
      out[i] = [
        this.hours[i]!,
        this.deviceIds[i]!,
        this.metricNames[i]!,
        this.samples[i]!,
        this.minValues[i]!,
        this.maxValues[i]!,
        this.sums[i]!,
        this.lastTs[i]!,
        this.lastValues[i]!,
      ];
    }
    return out;
  }
}
