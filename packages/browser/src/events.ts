import { MAX_FREE_FORM_VALUE } from '../../../src/contract/free-form-map.js';

/** One event for `POST /v1/batch`: its kind, subject key and body. */
export interface SiftEvent {
  kind: 'activity' | 'error' | 'usage';
  key: string;
  event: Record<string, unknown>;
}

/** Text cut to a limit of the kind's schema (ending in …), so a long value is kept rather than refused. */
export const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The body without absent fields: the kinds' schemas refuse null. */
function compact(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in body) if (body[name] !== undefined && body[name] !== null) out[name] = body[name];
  return out;
}

/** A free-form map with its long strings cut to what the kinds store; other values are left to the gateway's checks. */
export function clipValues(map: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (map === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const key in map) {
    const value = map[key];
    if (value !== undefined && value !== null) out[key] = typeof value === 'string' ? clip(value, MAX_FREE_FORM_VALUE) : value;
  }
  return out;
}

/** Who and where: what every event of one page shares. */
export interface Scope {
  app: string;
  sessionId: string;
  userId?: string | undefined;
  now: number;
}

/** Fields of an activity beyond its type (src/kinds/activity/schema.ts). */
export interface ActivityFields {
  page_url?: string;
  element_id?: string;
  search_query?: string;
  duration_ms?: number;
  metadata?: Record<string, unknown>;
}

export function activityEvent(scope: Scope, activityType: string, fields: ActivityFields = {}): SiftEvent {
  return {
    kind: 'activity',
    key: scope.app,
    event: compact({
      ts: scope.now,
      session_id: scope.sessionId,
      user_id: scope.userId,
      activity_type: activityType,
      ...fields,
      page_url: fields.page_url === undefined ? undefined : clip(fields.page_url, 2048),
      element_id: fields.element_id === undefined ? undefined : clip(fields.element_id, 256),
      metadata: clipValues(fields.metadata),
    }),
  };
}

export function usageEvent(scope: Scope, name: string, properties?: Record<string, unknown>, feature?: string): SiftEvent {
  return {
    kind: 'usage',
    key: scope.app,
    event: compact({ ts: scope.now, event: clip(name, 128), feature, user_id: scope.userId, properties: clipValues(properties) }),
  };
}

/** What went wrong, from an Error, an ErrorEvent's error or any thrown value. */
function describe(thrown: unknown): { name?: string; message: string; stack?: string } {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message || thrown.name, stack: thrown.stack };
  if (typeof thrown === 'string') return { message: thrown };
  try {
    return { message: JSON.stringify(thrown) ?? String(thrown) };
  } catch {
    return { message: String(thrown) };
  }
}

/** An uncaught error or unhandled rejection as an error event of the app (category frontend). */
export function errorEvent(scope: Scope, thrown: unknown, context: Record<string, unknown> = {}, prefix = ''): SiftEvent {
  const { name, message, stack } = describe(thrown);
  return {
    kind: 'error',
    key: scope.app,
    event: compact({
      ts: scope.now,
      category: 'frontend',
      severity: 'error',
      code: name ? clip(name, 256) : undefined,
      message: clip(`${prefix}${message}` || 'unknown error', 8192),
      stack: stack ? clip(stack, 8192) : undefined,
      context: clipValues({ session_id: scope.sessionId, user_id: scope.userId, ...context }),
    }),
  };
}
