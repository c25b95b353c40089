import type { KindModule } from '../kind.js';
import { eventTimeWindow } from '../../contract/config.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { UsageMessage } from './schema.js';
import { UsageHandler } from './handler.js';
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
  createHandler: (config) => new UsageHandler(eventTimeWindow(config.eventTime), fieldPrivacy(config.privacy.rules, 'usage', config.privacy.salt)),
  simulator: usageSimulator,
};
