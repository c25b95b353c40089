import { createHash } from 'node:crypto';

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const HEX_PREFIXED = /\b0x[0-9a-f]+\b/gi;
/** A run of 8+ hex digits holding a digit: commit, object and trace ids (a word such as "acceptable" has none). */
const HEX_RUN = /\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi;
const NUMBER = /\d+(?:\.\d+)?/g;

/**
 * A message with what varies between occurrences of one error replaced by placeholders: UUIDs,
 * hex ids and numbers, in that order (a UUID holds digits and hex runs).
 */
export function normalizeMessage(message: string): string {
  return message.replace(UUID, '<uuid>').replace(HEX_PREFIXED, '<hex>').replace(HEX_RUN, '<hex>').replace(NUMBER, '<n>');
}

export interface ErrorIdentity {
  source: string;
  category: string;
  code: string;
  message: string;
}

/** What makes two errors "the same" for storm suppression: 16 hex digits of SHA-256 over the identity. */
export function errorFingerprint(error: ErrorIdentity): string {
  return createHash('sha256')
    .update(error.source)
    .update('\u0000')
    .update(error.category)
    .update('\u0000')
    .update(error.code)
    .update('\u0000')
    .update(normalizeMessage(error.message))
    .digest('hex')
    .slice(0, 16);
}
