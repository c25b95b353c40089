import type { KindModule } from '../kind.js';
import { HeartbeatMessage } from './schema.js';
import { storeEveryEvent } from '../store-every-event.js';
import { decodeHeartbeat } from './decode.js';
import { HEARTBEATS, heartbeatRow } from './rows.js';
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
  decode: decodeHeartbeat,
  createHandler: storeEveryEvent('heartbeat', { table: HEARTBEATS, decode: decodeHeartbeat, row: heartbeatRow }),
  simulator: heartbeatSimulator,
};
