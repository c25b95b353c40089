import { schema } from './schema.js';
import { extraEnvNames } from './env-sources.js';

/** Every environment variable the schema reads. */
export function schemaEnvNames(node: unknown = schema): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const entry = node as Record<string, unknown>;
  if (typeof entry.env === 'string' && 'doc' in entry) return [entry.env];
  return Object.values(entry).flatMap((child) => schemaEnvNames(child));
}

/** Optimal string alignment distance: Levenshtein plus swapping two neighbours (NATS_ULR). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

const prefixOf = (name: string) => name.slice(0, name.indexOf('_') + 1);

/**
 * Environment variables that are not Sift's but look like a misspelling of one: one edit away
 * (PARTITION for PARTITIONS), or two edits away and sharing its first word (NATS_ULR for NATS_URL).
 * Short names and other programs' variables (PATH, HOME, NODE_ENV) are far from every key.
 */
export function misspelledEnv(env: NodeJS.ProcessEnv, known: string[] = schemaEnvNames()): Array<{ name: string; resembles: string }> {
  const keys = new Set(known);
  const found: Array<{ name: string; resembles: string }> = [];
  for (const name of Object.keys(env)) {
    if (keys.has(name) || name.length < 5 || !/^[A-Z][A-Z0-9_]*$/.test(name)) continue;
    let best: { key: string; distance: number } | undefined;
    for (const key of known) {
      // Only distances up to 2 are reported, and a distance is at least the difference in length.
      if (Math.abs(name.length - key.length) > 2) continue;
      const distance = editDistance(name, key);
      if (!best || distance < best.distance) best = { key, distance };
    }
    if (!best) continue;
    const sharesWord = prefixOf(name) !== '' && prefixOf(name) === prefixOf(best.key);
    if (best.distance === 1 || (best.distance === 2 && sharesWord)) found.push({ name, resembles: best.key });
  }
  return found;
}

/** Prefixes of Sift's own variables: every unknown name with one of them is reported. */
export const SIFT_PREFIXES = ['NATS_', 'CLICKHOUSE_', 'SIFT_'];

/** Variables Sift reads outside the schema: the nats-server it starts for demos and tests, the image's build sha. */
const READ_DIRECTLY = ['NATS_SERVER_BIN', 'SIFT_GIT_SHA'];

/** Names other tools use for a setting Sift has under another name, too far apart for the edit distance. */
const SYNONYMS: Readonly<Record<string, string>> = {
  CLICKHOUSE_HOST: 'CLICKHOUSE_URL',
  CLICKHOUSE_PORT: 'CLICKHOUSE_URL',
  CLICKHOUSE_DB: 'CLICKHOUSE_DATABASE',
  CLICKHOUSE_USERNAME: 'CLICKHOUSE_USER',
  CLICKHOUSE_PASS: 'CLICKHOUSE_PASSWORD',
  NATS_HOST: 'NATS_URL',
  NATS_PORT: 'NATS_URL',
  NATS_SERVER: 'NATS_URL',
  NATS_SERVERS: 'NATS_URL',
  NATS_USERNAME: 'NATS_USER',
  NATS_PASS: 'NATS_PASSWORD',
};

/**
 * Kubernetes gives every pod variables for each Service in its namespace (a Service "nats" gives
 * NATS_SERVICE_HOST, NATS_PORT=tcp://…, NATS_PORT_4222_TCP_ADDR, …): those are not settings.
 */
function isServiceLink(name: string, value: string | undefined): boolean {
  if (/_SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?$/.test(name)) return true;
  if (/_PORT_\d+_(TCP|UDP|SCTP)(_(ADDR|PORT|PROTO))?$/.test(name)) return true;
  return /_PORT$/.test(name) && /^(tcp|udp|sctp):\/\//.test(value ?? '');
}

export interface UnknownEnv {
  name: string;
  /** The Sift variable it most likely meant, when one is close. */
  resembles?: string;
}

/**
 * Every NATS_*, CLICKHOUSE_* and SIFT_* variable Sift does not read (Kubernetes service variables
 * aside), and any other name that is a near miss of one it does (PARTITION for PARTITIONS).
 */
export function unknownEnv(
  env: NodeJS.ProcessEnv,
  known: string[] = [...schemaEnvNames(), ...extraEnvNames(), ...READ_DIRECTLY],
): UnknownEnv[] {
  const keys = new Set(known);
  const near = new Map(misspelledEnv(env, known).map((m) => [m.name, m.resembles]));
  const found: UnknownEnv[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (keys.has(name)) continue;
    const ours = SIFT_PREFIXES.some((p) => name.startsWith(p));
    if (ours && isServiceLink(name, value)) continue;
    const resembles = SYNONYMS[name] ?? near.get(name);
    if (ours || resembles) found.push(resembles ? { name, resembles } : { name });
  }
  return found;
}

/** The warning for one unknown variable. */
export function unknownEnvLine({ name, resembles }: UnknownEnv): string {
  return resembles
    ? `environment variable ${name} is not a Sift setting; did you mean ${resembles}?`
    : `environment variable ${name} is not a Sift setting and is ignored (the configuration reference lists every variable Sift reads)`;
}
