import type { BodyLayout } from './split-events.js';

/** Media types whose bodies hold one JSON event per line. */
const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/json-lines',
]);

/** Media types an ingest route reads: JSON, NDJSON, and text/plain holding either (what sendBeacon sends for a string). */
export const INGEST_MEDIA_TYPES = ['application/json', 'text/plain', ...NDJSON_TYPES];

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function bodyLayout(contentType: string | undefined): BodyLayout {
  return NDJSON_TYPES.has(mediaType(contentType)) ? 'ndjson' : 'json';
}
