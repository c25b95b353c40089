import { createHash, randomBytes } from 'node:crypto';

/** An API key as stored in the keys bucket: its scope and its SHA-256 hash, never the secret. */
export interface KeyRecord {
  name: string;
  /** Hex SHA-256 of the secret. */
  hash: string;
  /** Kinds it may publish. */
  kinds: string[];
  /** Glob of the subject keys it may publish under (`*` matches any run of characters). */
  keys: string;
  /** Origins of the web pages it serves; none: a server key. */
  origins: string[];
  /** Events per second it may publish through one gateway; 0: no limit. */
  rate: number;
  /** Whether it may call the read routes. */
  read: boolean;
  revoked: boolean;
  createdAt: string;
}

/** Kinds a browser key gets when --kinds is not given: what a web page reports, nothing about devices or servers. */
export const BROWSER_KINDS = ['activity', 'error', 'usage'] as const;
/** A browser key's secret is public in every page that uses it: without --rate it gets this budget. */
export const BROWSER_DEFAULT_RATE = 1_000;
export const KEY_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A new secret: 256 random bits. So much entropy cannot be guessed or brute-forced from its hash,
 * which is why one fast SHA-256 suffices (a slow hash protects short human passwords, and would
 * cost CPU on every request).
 */
export const newSecret = (): string => `sift_${randomBytes(32).toString('base64url')}`;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** What `sift keys create` asks for. */
export interface KeySpec {
  name: string;
  kinds?: string[];
  keys?: string;
  origins?: string[];
  rate?: number;
  read?: boolean;
}

export type Made<T> = { ok: true; value: T; warnings: string[] } | { ok: false; problem: string };

/** "https://shop.example.com" as an origin, or undefined when it is not one (a path, a wildcard). */
export function normalisedOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.origin !== text.replace(/\/$/, '')) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** The record of a new key, or the one-line problem with its options. Pure: the hash and time are given. */
export function keyRecord(spec: KeySpec, hash: string, createdAt: Date, knownKinds: readonly string[]): Made<KeyRecord> {
  const problem = (text: string): Made<KeyRecord> => ({ ok: false, problem: text });
  if (!KEY_NAME.test(spec.name)) return problem(`--name must be 1-64 letters, digits, _ or -, got ${JSON.stringify(spec.name)}`);
  const origins: string[] = [];
  for (const origin of spec.origins ?? []) {
    const normal = normalisedOrigin(origin);
    if (!normal)
      return problem(
        `--origins: ${JSON.stringify(origin)} is not an origin such as https://shop.example.com (scheme, host, optional port; no path, no wildcard)`,
      );
    origins.push(normal);
  }
  const browser = origins.length > 0;
  if (browser && spec.read)
    return problem(
      "--read cannot go with --origins: a browser key is public in its pages, and read rights would let anyone read Sift's data",
    );
  const kinds = spec.kinds ?? (browser ? [...BROWSER_KINDS] : undefined);
  if (!kinds || kinds.length === 0)
    return problem(`--kinds is required for a server key: name the kinds it may send (${knownKinds.join(', ')})`);
  const unknown = kinds.filter((k) => !knownKinds.includes(k));
  if (unknown.length)
    return problem(`--kinds: unknown kind ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${knownKinds.join(', ')})`);
  const keys = spec.keys ?? '*';
  if (keys === '' || keys.length > 256 || /[\s.>]/.test(keys))
    return problem(`--keys must be a glob of one subject token (* matches any characters), got ${JSON.stringify(keys)}`);
  const rate = spec.rate ?? (browser ? BROWSER_DEFAULT_RATE : 0);
  if (!Number.isFinite(rate) || rate < 0) return problem(`--rate must be events per second ≥ 0 (0: no limit), got ${spec.rate}`);
  const wide = browser ? kinds.filter((k) => !(BROWSER_KINDS as readonly string[]).includes(k)) : [];
  const warnings = wide.length
    ? [`warning: browser key ${spec.name} may send ${wide.join(', ')}; anyone who opens its pages can use it to send them`]
    : [];
  return {
    ok: true,
    value: {
      name: spec.name,
      hash,
      kinds: [...new Set(kinds)],
      keys,
      origins,
      rate,
      read: Boolean(spec.read),
      revoked: false,
      createdAt: createdAt.toISOString(),
    },
    warnings,
  };
}

/** A stored record, or undefined when the bytes are not one (the bucket is shared with operators). */
export function parseKeyRecord(text: string): KeyRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<KeyRecord>;
    const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
    if (typeof r.name !== 'string' || typeof r.hash !== 'string' || !strings(r.kinds) || typeof r.keys !== 'string' || !strings(r.origins))
      return undefined;
    if (typeof r.rate !== 'number' || typeof r.read !== 'boolean' || typeof r.revoked !== 'boolean') return undefined;
    return r as KeyRecord;
  } catch {
    return undefined;
  }
}

export const isBrowserKey = (record: KeyRecord): boolean => record.origins.length > 0;

const globs = new Map<string, RegExp>();

/** Whether a subject key matches a key's glob: `*` matches any run of characters, everything else itself. */
export function keyMatches(glob: string, key: string): boolean {
  if (glob === '*') return true;
  let pattern = globs.get(glob);
  if (!pattern) {
    // Hand-written: path globs (picomatch) stop * at a slash, which a subject key may hold.
    pattern = new RegExp(
      `^${glob
        .split('*')
        .map((part) => part.replace(/[\\^$+?.()|[\]{}]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    globs.set(glob, pattern);
  }
  return pattern.test(key);
}

/** Why a key may not publish this kind under this subject key, or undefined when it may. */
export function scopeProblem(record: KeyRecord, kind: string, key: string): string | undefined {
  if (!record.kinds.includes(kind)) return `key ${record.name} may not send kind "${kind}" (it may send ${record.kinds.join(', ')})`;
  if (!keyMatches(record.keys, key))
    return `key ${record.name} may not send under subject key ${JSON.stringify(key)} (it may send under ${JSON.stringify(record.keys)})`;
  return undefined;
}
