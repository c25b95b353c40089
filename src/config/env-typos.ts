import { schema } from './schema.js';

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
