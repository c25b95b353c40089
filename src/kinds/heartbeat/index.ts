import type { KindModule } from '../kind.js';
import { eventTimeWindow } from '../../contract/config.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { HeartbeatMessage } from './schema.js';
import { HeartbeatHandler } from './handler.js';
import { heartbeatSimulator } from './simulate.js';

/** telemetry.heartbeat.<instance_id>: instances saying they are alive; every beat is stored. */
export const heartbeatKind: KindModule = {
  name: 'heartbeat',
  schema: HeartbeatMessage,
  schemaFile: 'heartbeat.schema.json',
  retainedTables: [
    { table: 'heartbeats', column: 'ts', retention: 'raw' },
    { table: 'instances_daily', column: 'bucket', retention: 'rollup' },
  ],
  storeReasons: ['stored'],
  dropReasons: [],
  privacyFields: ['hostname'],
  deadLetterReasons: [],
  createHandler: (config) => new HeartbeatHandler(eventTimeWindow(config.eventTime), fieldPrivacy(config.privacy.rules, 'heartbeat', config.privacy.salt)),
  simulator: heartbeatSimulator,
};
