import { Type } from '@sinclair/typebox';
import type { CompatRequest, CompatRoute, IngestOutcome, RoutedEvent } from './compat-route.js';
import {
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
  zonedTime,
  type Mapped,
} from './request-fields.js';

/** The app of a beat or data point that names none: TimeTracker's own app_identifier default. */
export const TIMETRACKER_APP = 'timetracker';

/** The data point key under which TimeTracker's send_usage_event puts a named event in `value`. */
const USAGE_EVENT_KEY = 'usage_event';

/** The app a TimeTracker request is for: its app_identifier, else `?app=`, else `timetracker` (its heartbeat names none). */
function appOf(fields: Record<string, unknown>, query: Record<string, string>): string {
  return textOf(fields.app_identifier) ?? textOf(query.app) ?? TIMETRACKER_APP;
}

/** Limits of the heartbeat kind's `system` fields (src/kinds/heartbeat/schema.ts). */
const SYSTEM_LIMITS = { os: 64, os_version: 128, arch: 32, hostname: 256, runtime: 64, runtime_version: 64 } as const;

/**
 * TimeTracker's system_metadata as the heartbeat kind's `system`: os, version → os_version,
 * machine (else architecture) → arch, hostname, python_version → runtime python. Nothing when the
 * user turned analytics off, and never local_ip or processor, which the kind has no place for.
 */
export function systemOf(metadata: unknown): Record<string, unknown> | undefined {
  const m = given(metadata);
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
  const s = m as Record<string, unknown>;
  if (s.analytics_disabled === true) return undefined;
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  const python = text(s.python_version);
  const system = compact({
    os: text(s.os),
    os_version: text(s.version),
    arch: text(s.machine) ?? text(s.architecture),
    hostname: text(s.hostname),
    runtime: python ? 'python' : undefined,
    runtime_version: python,
  });
  // Descriptive text cut to the kind's limits rather than losing the registration.
  for (const [field, max] of Object.entries(SYSTEM_LIMITS)) if (field in system) system[field] = clip(system[field], max);
  return Object.keys(system).length > 0 ? system : undefined;
}

/** One beat of the instance the body names, or the refusal. */
function beat(request: CompatRequest, extra: (fields: Record<string, unknown>) => Record<string, unknown>): Mapped {
  const parsed = bodyFields(request.body);
  if (!parsed.ok) return refuse(parsed.detail);
  const f = parsed.fields;
  const missing = missingText(f, 'instance_id', 'the instance, the subject key');
  if (missing) return refuse(missing);
  const event = compact({ app: appOf(f, request.query), ...extra(f) });
  return { ok: true, events: [{ kind: 'heartbeat', key: textOf(f.instance_id)!, event }] };
}

/** TimeTracker's client logs `error` and `details` of a refusal's JSON. */
const refused = (outcome: IngestOutcome, what: string) => ({
  status: 400,
  body: { success: false, error: `${what} not stored`, details: firstRejection(outcome.rejected), rejected: outcome.rejected },
});

const instanceOf = (request: CompatRequest) => textOf((request.body as Record<string, unknown> | undefined)?.instance_id) ?? null;

export const register: CompatRoute = {
  method: 'POST',
  url: '/api/v1/register',
  summary: 'TimeTracker: register an instance (becomes a heartbeat with status `registered` and its system information)',
  body: Type.Object(
    {
      instance_id: Type.String({ minLength: 1, description: 'The instance: the subject key.' }),
      app_identifier: Type.Optional(Type.String({ description: 'The app (heartbeat app); "timetracker" when absent.' })),
      version: Type.Optional(Type.String({ description: 'The app version.' })),
      system_metadata: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description: 'os, version, machine, architecture, hostname, python_version, … (see the mapping).',
        }),
      ),
      country: Type.Optional(Type.Unknown({ description: 'Not stored.' })),
      city: Type.Optional(Type.Unknown({ description: 'Not stored.' })),
      license_id: Type.Optional(Type.Unknown({ description: 'Not stored: no licence is needed.' })),
    },
    { title: 'TimeTracker registration', additionalProperties: true },
  ),
  toEvents: (request) => beat(request, (f) => ({ version: given(f.version), status: 'registered', system: systemOf(f.system_metadata) })),
  /** The client keeps the instance_id the answer carries; a token is optional and unused. */
  respond: (outcome, request) =>
    outcome.rejected.length > 0
      ? refused(outcome, 'registration')
      : { status: 201, body: { success: true, instance_id: instanceOf(request), message: 'Instance registered' } },
};

export const validate: CompatRoute = {
  method: 'POST',
  url: '/api/v1/validate',
  summary: 'TimeTracker: validate a token (always valid: no licence is needed; stores nothing)',
  body: Type.Object(
    {
      app_identifier: Type.Optional(Type.String()),
      license_id: Type.Optional(Type.Unknown()),
      instance_id: Type.Optional(Type.String()),
    },
    { title: 'TimeTracker validation', additionalProperties: true },
  ),
  toEvents: () => ({ ok: true, events: [] }),
  respond: (_outcome, request) => ({ status: 200, body: { valid: true, license_required: false, instance_id: instanceOf(request) } }),
};

export const heartbeat: CompatRoute = {
  method: 'POST',
  url: '/api/v1/heartbeat',
  summary: 'TimeTracker: an instance is alive (becomes a heartbeat of the instance)',
  body: Type.Object(
    {
      instance_id: Type.String({ minLength: 1, description: 'The instance: the subject key.' }),
      app_identifier: Type.Optional(Type.String({ description: 'The app; TimeTracker sends none, so `?app=` or "timetracker".' })),
    },
    { title: 'TimeTracker heartbeat', additionalProperties: true },
  ),
  toEvents: (request) => beat(request, () => ({})),
  // The client counts an empty JSON object as a failed beat: answer with content.
  respond: (outcome, request) =>
    outcome.rejected.length > 0
      ? refused(outcome, 'heartbeat')
      : { status: 200, body: { success: true, instance_id: instanceOf(request) } },
};

/**
 * One data point as a usage event. `{key: "usage_event", value: NAME}` (what send_usage_event
 * sends) is the event NAME; any other point is the event `key`, its value and type kept in
 * properties. metadata.feature and metadata.user (or user_id) fill their columns; the rest of
 * metadata is properties.
 */
export function usageOf(
  point: unknown,
  index: number,
  instanceId: unknown,
): { ok: true; event: Record<string, unknown> } | { ok: false; detail: string } {
  if (typeof point !== 'object' || point === null || Array.isArray(point))
    return { ok: false, detail: `data[${index}] must be a JSON object with key, value, type and metadata` };
  const p = point as Record<string, unknown>;
  const missing = missingText(p, 'key', 'what the data point is');
  if (missing) return { ok: false, detail: `data[${index}].${missing}` };
  const metadata = freeFormOf(p, 'metadata');
  if (!metadata.ok) return { ok: false, detail: `data[${index}].${metadata.detail}` };
  // feature and the user move to their columns when they fit them; anything else stays a property.
  const rest: Record<string, unknown> = { ...metadata.value };
  const feature = typeof rest.feature === 'string' ? rest.feature : undefined;
  if (feature !== undefined) delete rest.feature;
  const userField = textOf(rest.user_id) !== undefined ? 'user_id' : textOf(rest.user) !== undefined ? 'user' : undefined;
  const userId = userField ? textOf(rest[userField]) : undefined;
  if (userField) delete rest[userField];
  const key = textOf(p.key)!;
  const value = given(p.value);
  const named = key === USAGE_EVENT_KEY && typeof value === 'string' && value.length > 0;
  const time = zonedTime(p.timestamp);
  const properties = withFields(rest, {
    ...(named ? {} : { value, type: given(p.type) }),
    ...(time && 'text' in time ? { timestamp: time.text } : {}),
  });
  return {
    ok: true,
    event: compact({
      ts: time && 'ts' in time ? time.ts : undefined,
      event: named ? value : key,
      feature,
      user_id: userId,
      instance_id: idText(instanceId),
      properties,
    }),
  };
}

export const usageData: CompatRoute = {
  method: 'POST',
  url: '/api/v1/data',
  summary: 'TimeTracker: usage data points (each becomes a usage event of the app)',
  body: Type.Object(
    {
      app_identifier: Type.Optional(Type.String({ description: 'The app: the subject key; "timetracker" when absent.' })),
      instance_id: Type.Optional(Type.String({ description: 'The instance (usage instance_id).' })),
      data: Type.Array(
        Type.Object(
          {
            key: Type.String({ minLength: 1, description: 'usage_event (value is the event name), or a name of its own.' }),
            value: Type.Optional(Type.Unknown()),
            type: Type.Optional(Type.Unknown()),
            metadata: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
            timestamp: Type.Optional(Type.String({ description: 'Set on points replayed from the offline queue.' })),
          },
          { additionalProperties: true },
        ),
      ),
    },
    { title: 'TimeTracker usage data', additionalProperties: true },
  ),
  toEvents({ body, query }) {
    const parsed = bodyFields(body);
    if (!parsed.ok) return refuse(parsed.detail);
    const f = parsed.fields;
    const data = given(f.data);
    if (!Array.isArray(data))
      return refuse(`data is ${data === undefined ? 'missing' : `a JSON ${typeof data}`}: it must be an array of data points`);
    const app = appOf(f, query);
    const events: RoutedEvent[] = [];
    for (let i = 0; i < data.length; i++) {
      const usage = usageOf(data[i], i, f.instance_id);
      if (!usage.ok) return refuse(usage.detail);
      events.push({ kind: 'usage', key: app, event: usage.event });
    }
    return { ok: true, events };
  },
  /**
   * Stored points are answered 200 even when others were refused: the client re-sends a whole
   * failed batch, which would store the good points twice; the refused ones are listed.
   */
  respond: (outcome) =>
    outcome.accepted === 0 && outcome.rejected.length > 0
      ? refused(outcome, 'no data point')
      : { status: 200, body: { success: true, received: outcome.accepted, rejected: outcome.rejected } },
};

export const status: CompatRoute = {
  method: 'GET',
  url: '/api/v1/status',
  summary: 'TimeTracker: server health check (stores nothing)',
  toEvents: () => ({ ok: true, events: [] }),
  respond: () => ({ status: 200, body: { status: 'ok' } }),
};

/** The endpoints TimeTracker's metrics client (LicenseServerClient) calls, same paths and bodies. */
export const timetrackerRoutes: CompatRoute[] = [register, validate, heartbeat, usageData, status];
