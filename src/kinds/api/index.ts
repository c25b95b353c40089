import type { KindModule } from '../kind.js';
import { ApiRequestMessage } from './schema.js';
import { storeEveryEvent } from '../store-every-event.js';
import { decodeApiRequest } from './decode.js';
import { API_REQUESTS, apiRequestRow } from './rows.js';
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
  decode: decodeApiRequest,
  createHandler: storeEveryEvent('api', { table: API_REQUESTS, decode: decodeApiRequest, row: apiRequestRow }),
  simulator: (options) => new ApiSimulator(options),
};
