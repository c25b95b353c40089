import { Type, type Static } from '@sinclair/typebox';
import { eventTimeField, freeFormField } from '../../contract/event-time-field.js';

/** How a job ended. */
export const JOB_STATUSES = ['success', 'failure', 'timeout', 'cancelled'] as const;

/** Largest accepted duration: thirty days, beyond any job's deadline, small enough that sums stay exact. */
export const MAX_JOB_DURATION_MS = 2_592_000_000;

const Text = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

/** Body of telemetry.job.<job_type>: the outcome of one run of a job. */
export const JobOutcomeMessage = Type.Object(
  {
    ts: eventTimeField(),
    job_id: Type.String({ minLength: 1, maxLength: 256, description: 'Id of the job run.' }),
    status: Type.Union(
      JOB_STATUSES.map((s) => Type.Literal(s)),
      { description: 'How the run ended: success, failure, timeout or cancelled.' },
    ),
    duration_ms: Type.Number({ minimum: 0, maximum: MAX_JOB_DURATION_MS, description: 'Run time, milliseconds (fractions allowed).' }),
    device_id: Text(256, 'Device the job ran for, if any.'),
    error_code: Text(256, 'Error code of a failed run.'),
    retry_count: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'Retries before this outcome (default 0).' }),
    ),
    initiated_by: Text(256, 'Who or what started the job: a user, a schedule (PRIVACY may drop or hash it).'),
    metadata: freeFormField('Free-form details, up to 64 keys; a non-string value is stored as its JSON text.'),
  },
  {
    $id: 'job.schema.json',
    title: 'Sift job outcome message',
    description: 'Published to <prefix>.job.<job_type>.',
    additionalProperties: false,
  },
);

export type JobOutcomeMessage = Static<typeof JobOutcomeMessage>;
