import { expect } from 'vitest';
import type { CompatRequest, CompatRoute, RoutedEvent } from '../../src/gateway/compat/compat-route.js';
import { workerVerdict } from './kind-verdict.js';

export const RECEIVED_AT = new Date('2026-11-23T19:20:00Z');

/** A request as the gateway hands it to a compat route. */
export const compatRequest = (body: unknown, query: Record<string, string> = {}): CompatRequest => ({
  body,
  params: {},
  query,
  receivedAt: RECEIVED_AT,
});

/** The route's events for a body, each checked to pass its kind's own validation as the worker runs it. */
export function storedEvents(route: CompatRoute, body: unknown, query: Record<string, string> = {}): RoutedEvent[] {
  const mapped = route.toEvents(compatRequest(body, query));
  if (!mapped.ok) throw new Error(`refused: ${mapped.detail}`);
  for (const { kind, key, event } of mapped.events) {
    const verdict = workerVerdict(kind, key, event, RECEIVED_AT.getTime());
    expect(verdict, `${kind}.${key} ${JSON.stringify(event)}`).toMatchObject({ ok: true });
  }
  return mapped.events;
}

/** The detail of the route's refusal of a body (fails when it is not refused). */
export function refusal(route: CompatRoute, body: unknown, query: Record<string, string> = {}): string {
  const mapped = route.toEvents(compatRequest(body, query));
  if (mapped.ok) throw new Error(`not refused: ${JSON.stringify(mapped.events)}`);
  return mapped.detail;
}

/** What the worker says of the route's single event: for bodies the gateway publishes but the kind refuses. */
export function workerDetail(route: CompatRoute, body: unknown, query: Record<string, string> = {}): string {
  const mapped = route.toEvents(compatRequest(body, query));
  if (!mapped.ok) throw new Error(`refused before publishing: ${mapped.detail}`);
  const [{ kind, key, event }] = mapped.events as [RoutedEvent];
  const verdict = workerVerdict(kind, key, event, RECEIVED_AT.getTime());
  if (verdict.ok) throw new Error(`accepted: ${JSON.stringify(event)}`);
  return `${verdict.reason}: ${verdict.detail}`;
}
