import type { KindModule } from '../kind.js';
import { eventTimeWindow } from '../../contract/config.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { ActivityMessage } from './schema.js';
import { ActivityHandler } from './handler.js';
import { activitySimulator } from './simulate.js';
import { decodeActivity } from './decode.js';

/** telemetry.activity.<app>: user activity in sessions, every valid event stored. */
export const activityKind: KindModule = {
  name: 'activity',
  schema: ActivityMessage,
  schemaFile: 'activity.schema.json',
  retainedTables: [
    { table: 'user_activity', column: 'ts', retention: 'raw' },
    { table: 'active_users_daily', column: 'day', retention: 'rollup' },
    { table: 'user_sessions', column: 'day', retention: 'rollup' },
  ],
  storeReasons: ['stored'],
  dropReasons: [],
  privacyFields: ['user_id', 'search_query', 'page_url'],
  deadLetterReasons: [],
  decode: decodeActivity,
  createHandler: (config) =>
    new ActivityHandler(fieldPrivacy(config.privacy.rules, 'activity', config.privacy.salt), eventTimeWindow(config.eventTime)),
  simulator: activitySimulator,
};
