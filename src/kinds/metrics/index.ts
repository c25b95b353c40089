import type { KindModule } from '../kind.js';
import { filterConfig } from '../../transforms/device-filter/config.js';
import { filterSettings } from '../../transforms/device-filter/device-filter.js';
import { DeviceMetricsMessage } from './schema.js';
import { DeviceMetricsHandler } from './handler.js';
import { eventTimeWindow } from '../../contract/config.js';
import { decodeDeviceMetrics } from './decode.js';

/** Config keys of the metrics kind: the smart filter's (top-level `filter`, FILTER_* variables). */
export const metricsConfig = { filter: filterConfig };

/** telemetry.metrics.<device_id>: device metric snapshots through the smart filter. */
export const metricsKind: KindModule = {
  name: 'metrics',
  schema: DeviceMetricsMessage,
  schemaFile: 'device-metrics.schema.json',
  retainedTables: [
    { table: 'device_metrics', column: 'ts', retention: 'raw' },
    { table: 'device_metrics_hourly', column: 'bucket', retention: 'rollup' },
    { table: 'device_metrics_daily', column: 'bucket', retention: 'rollup' },
  ],
  storeReasons: ['first_contact', 'snapshot', 'change'],
  rowOnlyReasons: ['previous'],
  dropReasons: ['unchanged'],
  deadLetterReasons: ['non_finite', 'device_mismatch', 'value_out_of_range'],
  decode: decodeDeviceMetrics,
  createHandler: (config, context) =>
    new DeviceMetricsHandler(
      filterSettings(config.filter, {
        partitions: config.nats.partitions,
        onEvict: (cause, keys) => context.stateEvicted('metrics', cause, keys),
      }),
      eventTimeWindow(config.eventTime),
      context.partition,
    ),
};
