import type { KindModule } from '../kind.js';
import { eventTimeWindow } from '../../contract/config.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { ApiRequestMessage } from './schema.js';
import { ApiRequestHandler } from './handler.js';
import { API_PRIVACY_FIELDS } from './rows.js';
import { ApiSimulator } from './simulate.js';

/** telemetry.api.<service>: API requests, every one stored, with hourly and daily rollups per endpoint. */
export const apiKind: KindModule = {
  name: 'api',
  schema: ApiRequestMessage,
  schemaFile: 'api.schema.json',
  retainedTables: [
    { table: 'api_requests', column: 'ts', retention: 'raw' },
    { table: 'api_requests_hourly', column: 'bucket', retention: 'rollup' },
    { table: 'api_requests_daily', column: 'bucket', retention: 'rollup' },
  ],
  storeReasons: ['stored'],
  dropReasons: [],
  privacyFields: API_PRIVACY_FIELDS,
  deadLetterReasons: [],
  createHandler: (config) =>
    new ApiRequestHandler(eventTimeWindow(config.eventTime), fieldPrivacy(config.privacy.rules, 'api', config.privacy.salt)),
  simulator: (options) => new ApiSimulator(options),
};
