import type { IncomingMessage, KindHandler, StoredState } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { drop, ok, deadLetterResult, type MessageResult } from '../../pipeline/result.js';
import { DeviceFilter, type FilterSettings } from '../../transforms/device-filter/device-filter.js';
import { ReferenceValues } from '../../transforms/device-filter/reference-values.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { decodeDeviceMetrics } from './decode.js';
import { DEVICE_METRIC_PARTIALS, DEVICE_METRICS, RollupAccumulator, storedRows } from './rows.js';

const makeAccumulator = () => new RollupAccumulator();

/** telemetry.metrics.<device_id>: validate, count every value into the rollups, keep what the filter stores. */
export class DeviceMetricsHandler implements KindHandler {
  private readonly filter: DeviceFilter;

  constructor(
    private readonly settings: FilterSettings,
    private readonly window: EventTimeWindow,
    private readonly partition = 0,
  ) {
    this.filter = new DeviceFilter(settings);
  }

  get trackedKeys(): number {
    return this.filter.states.size;
  }

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = decodeDeviceMetrics(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    const reading = decoded.value;
    out.eventTime(reading.ts);
    out.accumulator(DEVICE_METRIC_PARTIALS, makeAccumulator).add(reading);
    const stores = this.filter.process(reading);
    // The message counts by the reason of its own store; a "previous" row belongs to an earlier message.
    let result = drop('unchanged');
    for (const request of stores) {
      for (const row of storedRows(request, message.seq, this.partition)) out.row(DEVICE_METRICS, row, message.seq, request.reason);
      if (request.reason !== 'previous') result = ok(request.reason);
    }
    return result;
  }

  rollup(message: IncomingMessage, out: BatchOutput): void {
    const decoded = decodeDeviceMetrics(message.data, message.key, message.arrivalMs(), this.window);
    if (decoded.ok) out.accumulator(DEVICE_METRIC_PARTIALS, makeAccumulator).add(decoded.value);
  }

  /**
   * The filter's reference values and snapshot clock per device of this partition, from the rows
   * stored within the idle-eviction time (older devices would be forgotten anyway): the newest
   * stored value of each metric, the newest store, and the newest whole store (first contact or
   * snapshot; in whole mode any store).
   */
  async restore(stored: StoredState): Promise<number> {
    const whole = this.settings.store === 'whole' ? "reason != 'previous'" : "reason IN ('first_contact', 'snapshot')";
    const rows = await stored.query<{ device_id: string; metrics: string[]; values: number[]; last_ts: number; last_whole_ts: number }>(
      `SELECT device_id, groupArray(metric) AS metrics, groupArray(value) AS values, max(last_ts) AS last_ts, max(last_whole_ts) AS last_whole_ts
       FROM (
         SELECT device_id, metric, argMax(value, ts) AS value, toUnixTimestamp64Milli(max(ts)) AS last_ts,
                toUnixTimestamp64Milli(maxIf(ts, ${whole})) AS last_whole_ts
         FROM {db}.device_metrics
         WHERE partition = {partition:UInt16} AND ts >= now64(3) - toIntervalSecond({idle:UInt32})
         GROUP BY device_id, metric
       )
       GROUP BY device_id`,
      { partition: this.partition, idle: Math.ceil(this.settings.idleMs / 1000) },
    );
    for (const row of rows) {
      const reference = ReferenceValues.from(row.metrics, row.values.map(Number));
      this.filter.restore(row.device_id, {
        reference,
        lastStoredTs: Number(row.last_ts),
        lastWholeTs: Number(row.last_whole_ts),
        previous: undefined,
        lastSeenAt: Date.now(),
      });
    }
    return rows.length;
  }

  reset(): void {
    this.filter.states.clear();
  }
}
