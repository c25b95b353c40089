import type { KindModule } from '../kind.js';
import { UsageMessage } from './schema.js';
import { storeEveryEvent } from '../store-every-event.js';
import { decodeUsageEvent } from './decode.js';
import { USAGE_EVENTS, usageRow } from './rows.js';
import { usageSimulator } from './simulate.js';

/** telemetry.usage.<app>: feature usage events; every event is stored. */
export const usageKind: KindModule = {
  name: 'usage',
  schema: UsageMessage,
  schemaFile: 'usage.schema.json',
  retainedTables: [
    { table: 'usage_events', column: 'ts', retention: 'raw' },
    { table: 'usage_hourly', column: 'bucket', retention: 'rollup' },
  ],
  storeReasons: ['stored'],
  dropReasons: [],
  privacyFields: ['user_id', 'instance_id'],
  deadLetterReasons: [],
  decode: decodeUsageEvent,
  createHandler: storeEveryEvent('usage', { table: USAGE_EVENTS, decode: decodeUsageEvent, row: usageRow }),
  simulator: usageSimulator,
};
