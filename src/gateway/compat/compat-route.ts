import type { TSchema } from '@sinclair/typebox';

export interface RoutedEvent {
  kind: string;
  key: string;
  event: Record<string, unknown>;
}
export interface CompatRequest {
  body: unknown;
  params: Record<string, string>;
  query: Record<string, string>;
  receivedAt: Date;
}
/** What the gateway did with the events of one request. */
export interface IngestOutcome {
  accepted: number;
  rejected: { index: number; reason: string; detail: string }[];
}
export interface CompatRoute {
  method: 'POST' | 'GET';
  url: string; // Fastify path, e.g. '/api/v1/analytics/user-activity'
  summary: string; // for /openapi.json
  body?: TSchema; // TypeBox schema of the replaced system's body (openapi; may be loose)
  /** The replaced system's request to Sift events, or a 400 naming the problem. Pure. */
  toEvents(request: CompatRequest): { ok: true; events: RoutedEvent[] } | { ok: false; detail: string };
  /** The replaced system's answer, from what the gateway did (status code and JSON body). Pure. */
  respond(outcome: IngestOutcome, request: CompatRequest): { status: number; body: unknown };
}
