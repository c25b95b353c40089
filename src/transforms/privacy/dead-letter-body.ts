import type { PrivacyRules } from './config.js';
import { fieldPrivacy } from './privacy.js';

/** What PRIVACY did to a dead letter's body: nothing, hashed or dropped fields, or kept the body out. */
export type BodyPrivacyOutcome = 'none' | 'rewritten' | 'withheld';

export interface PrivateBody {
  data: Uint8Array;
  outcome: BodyPrivacyOutcome;
}

/** A kind's PRIVACY rules for what is kept outside ClickHouse: a dead letter's body and its detail. */
export interface BodyPrivacy {
  body(kind: string, data: Uint8Array): PrivateBody;
  /** The detail, cut after its path when that names a field the rules hash or drop (a detail may quote the value). */
  detail(kind: string, detail: string): string;
}

export const NO_BODY_PRIVACY: BodyPrivacy = { body: (_kind, data) => ({ data, outcome: 'none' }), detail: (_kind, detail) => detail };

const EMPTY = new Uint8Array(0);

/**
 * The PRIVACY rules for dead-letter bodies. A body of a kind with rules is parsed as JSON and each
 * field the rules name is hashed or dropped wherever it appears (at any depth: a malformed body
 * may hold it in the wrong place). A body that does not parse is withheld (kept empty): its fields
 * cannot be found, so it cannot be shown safely; the original stays in the source stream by its
 * sequence, for whoever may read that.
 */
export function bodyPrivacy(rules: PrivacyRules, salt: string): BodyPrivacy {
  const byKind = new Map<string, (body: unknown) => boolean>();
  const namedByKind = new Map<string, ReadonlySet<string>>();
  for (const kind of Object.keys(rules)) {
    const fields = fieldPrivacy(rules, kind, salt);
    if (fields.none) continue;
    const named = new Set([...(rules[kind]!.hash ?? []), ...(rules[kind]!.drop ?? [])]);
    namedByKind.set(kind, named);
    byKind.set(kind, (body) =>
      rewriteFields(body, named, (field, value) => fields.apply(field, typeof value === 'string' ? value : JSON.stringify(value))),
    );
  }
  return {
    body(kind, data) {
      const rewrite = byKind.get(kind);
      if (!rewrite) return { data, outcome: 'none' };
      try {
        const body: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
        if (!rewrite(body)) return { data, outcome: 'none' };
        return { data: new TextEncoder().encode(JSON.stringify(body)), outcome: 'rewritten' };
      } catch {
        // Not JSON, or nested too deep to write back: nothing in it can be shown safely.
        return { data: EMPTY, outcome: 'withheld' };
      }
    },
    detail(kind, detail) {
      const named = namedByKind.get(kind);
      // Details begin with the JSON Pointer of what failed, e.g. "/client_ip: ...".
      const path = /^(\/\S*?):/.exec(detail)?.[1];
      if (!named || path === undefined || !path.split('/').some((token) => named.has(token))) return detail;
      return `${path}: (the rest is withheld: PRIVACY hashes or drops this field)`;
    },
  };
}

/**
 * Replaces, in place, every property named in `fields` (at any depth) by `apply`'s value, or
 * removes it when that is undefined; true when there was one. Walks with its own stack: a body
 * may nest deeper than the call stack allows.
 */
function rewriteFields(body: unknown, fields: ReadonlySet<string>, apply: (field: string, value: unknown) => string | undefined): boolean {
  let changed = false;
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    const object = node as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (!fields.has(key)) {
        stack.push(object[key]);
        continue;
      }
      changed = true;
      const value = apply(key, object[key]);
      if (value === undefined) delete object[key];
      else object[key] = value;
    }
  }
  return changed;
}
