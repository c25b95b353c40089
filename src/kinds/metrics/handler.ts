import type { IncomingMessage, KindHandler } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { drop, ok, deadLetterResult, type MessageResult } from '../../pipeline/result.js';
import { DeviceFilter, type FilterSettings } from '../../transforms/device-filter/device-filter.js';
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
      for (const row of storedRows(request, message.seq)) out.row(DEVICE_METRICS, row, message.seq, request.reason);
      if (request.reason !== 'previous') result = ok(request.reason);
    }
    return result;
  }

  rollup(message: IncomingMessage, out: BatchOutput): void {
    const decoded = decodeDeviceMetrics(message.data, message.key, message.arrivalMs(), this.window);
    if (decoded.ok) out.accumulator(DEVICE_METRIC_PARTIALS, makeAccumulator).add(decoded.value);
  }

  reset(): void {
    this.filter.states.clear();
  }
}
