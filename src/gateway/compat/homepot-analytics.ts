import { Type, type TSchema } from '@sinclair/typebox';
import type { CompatRoute, IngestOutcome } from './compat-route.js';
import {
  appKey,
  bodyFields,
  clip,
  compact,
  firstRejection,
  freeFormOf,
  given,
  idText,
  missingText,
  refuse,
  textOf,
  withFields,
  type Mapped,
} from './request-fields.js';

/** Subject key of activities and errors when the request names no `?app=`. */
export const HOMEPOT_APP = 'homepot';

/** session_id of an activity sent without one: HOMEPOT allowed none, Sift's activity needs one. */
export const NO_SESSION = 'none';

/** The error kind's limits on message and stack (src/kinds/error/schema.ts). */
const MAX_ERROR_TEXT = 8192;

const Loose = (description: string): TSchema => Type.Optional(Type.Unknown({ description }));
const FreeForm = (description: string): TSchema =>
  Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description }));
const homepotBody = (title: string, fields: Record<string, TSchema>): TSchema => Type.Object(fields, { title, additionalProperties: true });

/** HOMEPOT answers 201 with `{success, message}`; a body Sift refused gets 422 with FastAPI's `{detail}`. */
function answer(message: string) {
  return (outcome: IngestOutcome) =>
    outcome.rejected.length === 0
      ? { status: 201, body: { success: true, message } }
      : { status: 422, body: { success: false, detail: firstRejection(outcome.rejected) } };
}

/** One event, or the refusal found while building it. */
const one = (kind: string, key: string, event: Record<string, unknown>): Mapped => ({
  ok: true,
  events: [{ kind, key, event: compact(event) }],
});

export const userActivity: CompatRoute = {
  method: 'POST',
  url: '/api/v1/analytics/user-activity',
  summary: 'HOMEPOT: log one user activity (becomes an activity event of app `homepot`, or `?app=`)',
  body: homepotBody('HOMEPOT user activity', {
    activity_type: Type.String({ description: 'page_view, click, search, interaction, …' }),
    page_url: Loose('Page the activity happened on.'),
    element_id: Loose('UI element used.'),
    search_query: Loose('What the user searched for.'),
    session_id: Loose('Session id; "none" when absent.'),
    user_id: Loose('The signed-in user (HOMEPOT took it from its login cookie).'),
    duration_ms: Loose('How long the activity took.'),
    extra_data: FreeForm('Free-form details (stored as metadata).'),
    metadata: FreeForm('Free-form details, read when extra_data is absent or empty.'),
  }),
  toEvents({ body, query }) {
    const parsed = bodyFields(body);
    if (!parsed.ok) return refuse(parsed.detail);
    const f = parsed.fields;
    const metadata = freeFormOf(f, 'extra_data', 'metadata');
    if (!metadata.ok) return refuse(metadata.detail);
    return one('activity', appKey(query, HOMEPOT_APP), {
      session_id: textOf(f.session_id) ?? NO_SESSION,
      user_id: idText(f.user_id),
      activity_type: given(f.activity_type),
      page_url: given(f.page_url),
      element_id: given(f.element_id),
      search_query: given(f.search_query),
      duration_ms: given(f.duration_ms),
      metadata: metadata.value,
    });
  },
  respond: answer('Activity logged'),
};

export const errorLog: CompatRoute = {
  method: 'POST',
  url: '/api/v1/analytics/error',
  summary: 'HOMEPOT: log one error (becomes an error event of source `homepot`, or `?app=`)',
  body: homepotBody('HOMEPOT error', {
    category: Loose('api, database, external_service, validation, frontend; "unknown" when absent, as HOMEPOT did.'),
    severity: Loose('critical, error, warning or info; "error" when absent, as HOMEPOT did.'),
    error_code: Loose('Error code.'),
    error_message: Loose('What went wrong; "Unknown error" when absent, as HOMEPOT did.'),
    stack_trace: Loose('Stack trace (cut at 8192 characters).'),
    endpoint: Loose('Endpoint the error happened on (kept in context).'),
    user_id: Loose('User concerned (kept in context).'),
    device_id: Loose('Device concerned (kept in context).'),
    context: FreeForm('Free-form details.'),
  }),
  toEvents({ body, query }) {
    const parsed = bodyFields(body);
    if (!parsed.ok) return refuse(parsed.detail);
    const f = parsed.fields;
    const context = freeFormOf(f, 'context');
    if (!context.ok) return refuse(context.detail);
    // HOMEPOT's own defaults for a missing category, severity and message (AnalyticsEndpoint.log_error).
    return one('error', appKey(query, HOMEPOT_APP), {
      category: given(f.category) ?? 'unknown',
      severity: given(f.severity) ?? 'error',
      code: idText(f.error_code),
      message: clip(given(f.error_message) ?? 'Unknown error', MAX_ERROR_TEXT),
      stack: clip(given(f.stack_trace), MAX_ERROR_TEXT),
      context: withFields(context.value, { endpoint: f.endpoint, user_id: idText(f.user_id), device_id: idText(f.device_id) }),
    });
  },
  respond: answer('Error logged'),
};

export const deviceStateChange: CompatRoute = {
  method: 'POST',
  url: '/api/v1/analytics/device-state-change',
  summary: 'HOMEPOT: log one device state change (becomes a state event of the device)',
  body: homepotBody('HOMEPOT device state change', {
    device_id: Type.String({ minLength: 1, description: 'The device: the subject key.' }),
    new_state: Type.String({ minLength: 1, description: 'The state the device is in now.' }),
    previous_state: Loose('The state before.'),
    changed_by: Loose('Who or what caused the change (HOMEPOT took it from its login).'),
    reason: Loose('Why the state changed.'),
    extra_data: FreeForm('Free-form details (stored as metadata).'),
    metadata: FreeForm('Free-form details, read when extra_data is absent or empty.'),
  }),
  toEvents({ body }) {
    const parsed = bodyFields(body);
    if (!parsed.ok) return refuse(parsed.detail);
    const f = parsed.fields;
    const missing =
      missingText(f, 'device_id', 'the device, the subject key') ?? missingText(f, 'new_state', 'the state the device is in now');
    if (missing) return refuse(missing);
    const metadata = freeFormOf(f, 'extra_data', 'metadata');
    if (!metadata.ok) return refuse(metadata.detail);
    return one('state', textOf(f.device_id)!, {
      state: textOf(f.new_state),
      previous_state: given(f.previous_state),
      changed_by: given(f.changed_by),
      reason: given(f.reason),
      metadata: metadata.value,
    });
  },
  respond: answer('State change logged'),
};

/** HOMEPOT's job statuses to Sift's: it says `failed` where Sift says `failure`. */
const JOB_STATUS: Record<string, string> = { failed: 'failure' };

export const jobOutcome: CompatRoute = {
  method: 'POST',
  url: '/api/v1/analytics/job-outcome',
  summary: 'HOMEPOT: log one job outcome (becomes a job event of the job type)',
  body: homepotBody('HOMEPOT job outcome', {
    job_type: Type.String({ minLength: 1, description: 'restart, update, health_check, …: the subject key.' }),
    job_id: Type.Union([Type.String(), Type.Number()], { description: 'Id of the run.' }),
    status: Type.String({ description: 'success, failed, timeout or cancelled.' }),
    duration_ms: Type.Number({ minimum: 0, description: 'Run time in milliseconds (Sift needs it).' }),
    device_id: Loose('Device the job ran for.'),
    error_code: Loose('Error code of a failed run.'),
    error_message: Loose('Error message (kept in metadata).'),
    retry_count: Loose('Retries before this outcome.'),
    initiated_by: Loose('Who or what started the job.'),
    extra_data: FreeForm('Free-form details (stored as metadata).'),
    metadata: FreeForm('Free-form details, read when extra_data is absent or empty.'),
  }),
  toEvents({ body }) {
    const parsed = bodyFields(body);
    if (!parsed.ok) return refuse(parsed.detail);
    const f = parsed.fields;
    const missing = missingText(f, 'job_type', 'the job type, the subject key');
    if (missing) return refuse(missing);
    const metadata = freeFormOf(f, 'extra_data', 'metadata');
    if (!metadata.ok) return refuse(metadata.detail);
    const status = given(f.status);
    return one('job', textOf(f.job_type)!, {
      job_id: idText(f.job_id),
      status: typeof status === 'string' && Object.hasOwn(JOB_STATUS, status) ? JOB_STATUS[status] : status,
      duration_ms: given(f.duration_ms),
      device_id: idText(f.device_id),
      error_code: idText(f.error_code),
      retry_count: given(f.retry_count),
      initiated_by: given(f.initiated_by),
      metadata: withFields(metadata.value, { error_message: f.error_message }),
    });
  },
  respond: answer('Job outcome logged'),
};

/** HOMEPOT's analytics collection endpoints (AnalyticsEndpoint.py), same paths and bodies. */
export const homepotRoutes: CompatRoute[] = [userActivity, errorLog, deviceStateChange, jobOutcome];
