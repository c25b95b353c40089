import { parseRfc3339 } from '../../contract/event-time.js';
import type { CompatRoute } from './compat-route.js';

/** What a route's toEvents returns. */
export type Mapped = ReturnType<CompatRoute['toEvents']>;

export const refuse = (detail: string): Mapped => ({ ok: false, detail });

/** A request body as its fields, or why it is not one JSON object. */
export function bodyFields(body: unknown): { ok: true; fields: Record<string, unknown> } | { ok: false; detail: string } {
  if (body === undefined || body === null) return { ok: false, detail: 'the body is empty: send one JSON object' };
  if (Array.isArray(body)) return { ok: false, detail: 'the body is a JSON array: send one JSON object' };
  if (typeof body !== 'object') return { ok: false, detail: `the body is a JSON ${typeof body}: send one JSON object` };
  return { ok: true, fields: body as Record<string, unknown> };
}

/** A field with JSON null read as absent: the replaced Python services stored None for both. */
export const given = (value: unknown): unknown => (value === null ? undefined : value);

/** An id that the replaced systems also took as a number (user_id 1): numbers become their text, anything else is left for the kind to judge. */
export function idText(value: unknown): unknown {
  const v = given(value);
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
}

/** The field as a non-empty string (a number as its text), or undefined when it is absent or anything else. */
export function textOf(value: unknown): string | undefined {
  const v = idText(value);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Why a required field is missing or not a non-empty string, in the replaced system's own words. */
export function missingText(fields: Record<string, unknown>, name: string, meaning: string): string | undefined {
  if (textOf(fields[name]) !== undefined) return undefined;
  const value = given(fields[name]);
  const got =
    value === undefined ? 'missing' : typeof value === 'string' ? 'empty' : `a JSON ${Array.isArray(value) ? 'array' : typeof value}`;
  return `${name} is ${got}: it must be a non-empty string (${meaning})`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The first of the named fields holding a non-empty JSON object (HOMEPOT reads `extra_data or
 * metadata`), or why one of them is not an object.
 */
export function freeFormOf(
  fields: Record<string, unknown>,
  ...names: string[]
): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; detail: string } {
  let found: Record<string, unknown> | undefined;
  for (const name of names) {
    const value = given(fields[name]);
    if (value === undefined) continue;
    if (!isObject(value))
      return { ok: false, detail: `${name} must be a JSON object, got a JSON ${Array.isArray(value) ? 'array' : typeof value}` };
    if (found === undefined && Object.keys(value).length > 0) found = value;
  }
  return { ok: true, value: found };
}

/** A free-form map with the given fields added (they win over a key of the same name); undefined when it ends up empty. */
export function withFields(map: Record<string, unknown> | undefined, added: Record<string, unknown>): Record<string, unknown> | undefined {
  const merged: Record<string, unknown> = {};
  // defineProperty: a key named __proto__ is data, not the prototype.
  const put = (key: string, value: unknown) =>
    Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  for (const key of Object.keys(map ?? {})) put(key, map![key]);
  for (const key of Object.keys(added)) if (given(added[key]) !== undefined) put(key, added[key]);
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** The object without its absent (undefined or null) fields, so an event carries only what was sent. */
export function compact(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(event)) if (given(event[key]) !== undefined) out[key] = event[key];
  return out;
}

/** Text cut to the kind's limit (a long stack trace is worth more cut than refused), with an ellipsis. */
export function clip(value: unknown, max: number): unknown {
  return typeof value === 'string' && value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A time with a zone becomes the event time; one without (local time of an unknown zone) cannot, so it is kept as text. */
export function zonedTime(value: unknown): { ts: string } | { text: string } | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return parseRfc3339(value) !== undefined ? { ts: value } : { text: value };
}

/** The subject key a request names with `?app=`, or the route's default. */
export const appKey = (query: Record<string, string>, fallback: string): string => {
  const app = query.app;
  return typeof app === 'string' && app.length > 0 ? app : fallback;
};

/** The first rejection as one line: `reason: detail`. */
export const firstRejection = (rejected: { reason: string; detail: string }[]): string =>
  rejected.length > 0 ? `${rejected[0]!.reason}: ${rejected[0]!.detail}` : 'nothing was stored';
