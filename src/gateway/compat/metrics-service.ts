import { Type } from '@sinclair/typebox';
import type { CompatRoute } from './compat-route.js';
import { appKey, bodyFields, compact, firstRejection, freeFormOf, given, idText, missingText, refuse, textOf } from './request-fields.js';

/** Subject key of the usage events when the request names no `?app=`. */
export const METRICS_SERVICE_APP = 'metrics-service';

export const recordEvent: CompatRoute = {
  method: 'POST',
  url: '/metrics/events',
  summary: 'Metrics service: record one user event (becomes a usage event of app `metrics-service`, or `?app=`)',
  body: Type.Object(
    {
      event_type: Type.String({ minLength: 1, description: 'What happened, e.g. user_login: the usage event.' }),
      user_id: Type.Optional(
        Type.Union([Type.Integer(), Type.String(), Type.Null()], { description: 'The user (an integer in the metrics service).' }),
      ),
      metadata: Type.Optional(
        Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'Free-form details (stored as properties).' }),
      ),
    },
    { title: 'Metrics service event', additionalProperties: true },
  ),
  toEvents({ body, query }) {
    const parsed = bodyFields(body);
    if (!parsed.ok) return refuse(parsed.detail);
    const f = parsed.fields;
    const missing = missingText(f, 'event_type', 'what happened, e.g. user_login');
    if (missing) return refuse(missing);
    const metadata = freeFormOf(f, 'metadata');
    if (!metadata.ok) return refuse(metadata.detail);
    const event = compact({ event: textOf(f.event_type), user_id: idText(f.user_id), properties: metadata.value });
    return { ok: true, events: [{ kind: 'usage', key: appKey(query, METRICS_SERVICE_APP), event }] };
  },
  /** The service answered with the event it recorded (a user_events row); Sift has no row id to give. */
  respond(outcome, { body, receivedAt }) {
    if (outcome.rejected.length > 0) return { status: 422, body: { detail: firstRejection(outcome.rejected) } };
    const f = body as Record<string, unknown>;
    return {
      status: 201,
      body: {
        event_type: f.event_type,
        user_id: given(f.user_id) ?? null,
        metadata: given(f.metadata) ?? {},
        created_at: receivedAt.toISOString(),
      },
    };
  },
};

/** The metrics service's event endpoint, same path and body. */
export const metricsServiceRoutes: CompatRoute[] = [recordEvent];
