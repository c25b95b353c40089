import type { IncomingMessage, KindHandler } from '../kind-handler.js';
import type { PartitionBatch } from '../../pipeline/partition-batch.js';
import { ok, type Decoded } from '../../pipeline/result.js';
import { DeviceFilter, type FilterSettings } from '../../transforms/device-filter/device-filter.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { decodeDeviceMetrics } from './decode.js';
import { DEVICE_METRIC_PARTIALS, DEVICE_METRICS, RollupAccumulator, storedRows } from './rows.js';

/** telemetry.metrics.<device_id>: validate, count every value into the rollups, keep what the filter stores. */
export class DeviceMetricsHandler implements KindHandler {
  readonly kind = 'metrics';
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

  accept(message: IncomingMessage, batch: PartitionBatch): Decoded<void> {
    const decoded = decodeDeviceMetrics(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return decoded;
    const reading = decoded.value;
    batch.tally.eventTime(reading.ts);
    batch.accumulator(DEVICE_METRIC_PARTIALS, () => new RollupAccumulator()).add(reading);
    const stores = this.filter.process(reading);
    if (stores.length === 0) batch.tally.filteredOut(this.kind);
    for (const request of stores) {
      const rows = storedRows(request, message.seq);
      for (const row of rows) batch.push(DEVICE_METRICS, row);
      batch.tally.stored(this.kind, request.reason, rows.length);
    }
    return ok(undefined);
  }

  reset(): void {
    this.filter.states.clear();
  }
}
