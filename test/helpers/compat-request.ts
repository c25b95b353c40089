import { expect } from 'vitest';
import type { CompatRequest, CompatRoute, RoutedEvent } from '../../src/gateway/compat/compat-route.js';
import { workerVerdict } from './kind-verdict.js';

export const RECEIVED_AT = new Date('2026-11-23T19:20:00Z');

/** TimeTracker's instance id, and its registration as LicenseServerClient.register_instance sends it. */
export const TIMETRACKER_INSTANCE = '3f1c2a9e-7b4d-4c1e-9a55-0d2f6b8e1c47';
export const timetrackerRegistration = {
  app_identifier: 'timetracker',
  version: '1.0.0',
  instance_id: TIMETRACKER_INSTANCE,
  system_metadata: {
    os: 'Linux',
    version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1',
    architecture: '64bit',
    machine: 'x86_64',
    processor: '',
    hostname: 'tt-host',
    local_ip: '10.0.0.7',
    python_version: '3.12.3',
    analytics_disabled: false,
  },
  country: 'Unknown',
  city: 'Unknown',
  license_id: 'NO-LICENSE-REQUIRED',
};

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
