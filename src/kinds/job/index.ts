import type { KindModule } from '../kind.js';
import { eventTimeWindow } from '../../contract/config.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { JobOutcomeMessage } from './schema.js';
import { JobOutcomeHandler } from './handler.js';
import { JOB_PRIVACY_FIELDS } from './rows.js';
import { JobSimulator } from './simulate.js';

/** telemetry.job.<job_type>: job outcomes, every one stored, with an hourly rollup per job type. */
export const jobKind: KindModule = {
  name: 'job',
  schema: JobOutcomeMessage,
  schemaFile: 'job.schema.json',
  retainedTables: [
    { table: 'job_outcomes', column: 'ts', retention: 'raw' },
    { table: 'job_outcomes_hourly', column: 'bucket', retention: 'rollup' },
  ],
  storeReasons: ['stored'],
  dropReasons: [],
  privacyFields: JOB_PRIVACY_FIELDS,
  deadLetterReasons: [],
  createHandler: (config) =>
    new JobOutcomeHandler(eventTimeWindow(config.eventTime), fieldPrivacy(config.privacy.rules, 'job', config.privacy.salt)),
  simulator: (options) => new JobSimulator(options),
};
