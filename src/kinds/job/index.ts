import type { KindModule } from '../kind.js';
import { JobOutcomeMessage } from './schema.js';
import { storeEveryEvent } from '../store-every-event.js';
import { decodeJobOutcome } from './decode.js';
import { JOB_OUTCOMES, jobOutcomeRow } from './rows.js';
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
  decode: decodeJobOutcome,
  createHandler: storeEveryEvent('job', { table: JOB_OUTCOMES, decode: decodeJobOutcome, row: jobOutcomeRow }),
  simulator: (options) => new JobSimulator(options),
};
