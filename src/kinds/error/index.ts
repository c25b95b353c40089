import type { KindModule } from '../kind.js';
import { eventTimeWindow } from '../../contract/config.js';
import { errorStormConfig } from '../../transforms/error-storm/config.js';
import { stormSettings } from '../../transforms/error-storm/error-storm.js';
import { ErrorMessage } from './schema.js';
import { ErrorHandler } from './handler.js';
import { errorSimulator } from './simulate.js';
import { decodeError } from './decode.js';

/** Config keys of the error kind: storm suppression (`errorStorm`, ERROR_* variables). */
export const errorConfig = { errorStorm: errorStormConfig };

/** telemetry.error.<source>: errors, stored at most once per fingerprint and ERROR_SUPPRESS_WINDOW_S. */
export const errorKind: KindModule = {
  name: 'error',
  schema: ErrorMessage,
  schemaFile: 'error.schema.json',
  retainedTables: [
    { table: 'errors', column: 'ts', retention: 'raw' },
    { table: 'errors_hourly', column: 'bucket', retention: 'rollup' },
  ],
  storeReasons: ['stored'],
  dropReasons: ['suppressed'],
  deadLetterReasons: [],
  decode: decodeError,
  createHandler: (config, hooks) =>
    new ErrorHandler(
      stormSettings(config.errorStorm, {
        partitions: config.nats.partitions,
        onEvict: (cause, keys) => hooks.stateEvicted('error', cause, keys),
      }),
      eventTimeWindow(config.eventTime),
    ),
  simulator: errorSimulator,
};
