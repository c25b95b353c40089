import { createHash } from 'node:crypto';
import type { PrivacyRules } from './config.js';

/** What a kind does with one of its fields before storing it. */
export interface FieldPrivacy {
  /** The value to store: the original, a salted hash of it, or undefined when the field is dropped. */
  apply(field: string, value: string | undefined): string | undefined;
  /** True when no rule touches this kind (the hot path skips all lookups). */
  readonly none: boolean;
}

const NONE: FieldPrivacy = { apply: (_field, value) => value, none: true };

/**
 * The privacy rules of one kind: dropped fields are stored as absent, hashed ones as the hex
 * SHA-256 of salt + value, so analysts can still count distinct users or clients.
 */
export function fieldPrivacy(rules: PrivacyRules, kind: string, salt: string): FieldPrivacy {
  const rule = rules[kind];
  if (!rule || ((rule.hash?.length ?? 0) === 0 && (rule.drop?.length ?? 0) === 0)) return NONE;
  const hashed = new Set(rule.hash ?? []);
  const dropped = new Set(rule.drop ?? []);
  return {
    none: false,
    apply(field, value) {
      if (value === undefined || dropped.has(field)) return undefined;
      if (!hashed.has(field)) return value;
      return createHash('sha256').update(salt).update('\u0000').update(value).digest('hex');
    },
  };
}

/**
 * Checks rules against the fields each kind offers: one line naming the first wrong kind or
 * field, or undefined when they fit.
 */
export function checkPrivacyRules(
  rules: PrivacyRules,
  fieldsByKind: ReadonlyMap<string, readonly string[]>,
  salt: string,
): string | undefined {
  for (const [kind, rule] of Object.entries(rules)) {
    const fields = fieldsByKind.get(kind);
    if (!fields)
      return `PRIVACY names kind "${kind}", which has no fields to drop or hash (kinds with such fields: ${[...fieldsByKind.keys()].join(', ')})`;
    for (const field of [...(rule.hash ?? []), ...(rule.drop ?? [])]) {
      if (!fields.includes(field))
        return `PRIVACY names field "${field}" of kind "${kind}", which it does not have (its fields: ${fields.join(', ')})`;
    }
    if ((rule.hash?.length ?? 0) > 0 && salt === '') return `PRIVACY hashes ${kind} fields but PRIVACY_SALT is empty: set a secret salt`;
  }
  return undefined;
}
