import type { KindModule } from '../kind.js';
import { eventTimeWindow } from '../../contract/config.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { DeviceStateMessage } from './schema.js';
import { DeviceStateHandler } from './handler.js';
import { stateSimulator } from './simulate.js';
import { decodeStateReport } from './decode.js';

export { stateConfig } from './config.js';

/** telemetry.state.<device_id>: device state changes through the state filter. */
export const stateKind: KindModule = {
  name: 'state',
  schema: DeviceStateMessage,
  schemaFile: 'state.schema.json',
  retainedTables: [{ table: 'device_states', column: 'ts', retention: 'raw' }],
  storeReasons: ['first_contact', 'change', 'snapshot'],
  dropReasons: ['unchanged'],
  privacyFields: ['changed_by', 'reason'],
  deadLetterReasons: [],
  decode: decodeStateReport,
  createHandler: (config, hooks) =>
    new DeviceStateHandler(
      {
        snapshotIntervalMs: config.filter.snapshotIntervalS * 1000,
        idleMs: config.filter.idleEvictS * 1000,
        maxTracked: Math.ceil(config.stateFilter.maxTracked / config.nats.partitions),
        onEvict: (cause, keys) => hooks.stateEvicted('state', cause, keys),
      },
      eventTimeWindow(config.eventTime),
      fieldPrivacy(config.privacy.rules, 'state', config.privacy.salt),
    ),
  simulator: stateSimulator,
};
