/**
 * Evidence that no key (device) was handled by two workers at once, from what they stored: each
 * key's messages in stream order fall into stints, runs stored by one worker; stints of different
 * workers must not overlap in time (a handover makes them touch at most), and each change of worker
 * must come with the new one taking the key's partition in between.
 */

/** One message's rows as one worker stored them. */
export interface StoredMessage {
  owner: string;
  key: string;
  partition: number;
  seq: number;
  /** When its rows were inserted (the earliest, if several). */
  insertedAtMs: number;
}

/** A worker began a pinned session on a partition (its "took the partition" log line). */
export interface PartitionTake {
  owner: string;
  partition: number;
  atMs: number;
}

/** A run of one key's messages, consecutive in stream order, stored by one worker. */
export interface OwnershipStint {
  key: string;
  partition: number;
  owner: string;
  firstSeq: number;
  lastSeq: number;
  fromMs: number;
  toMs: number;
}

/**
 * Each key's stints in stream order. A sequence stored by several workers (a commit re-formed by
 * the next owner) counts for the one that inserted it first; the copies are duplicates, not handling.
 */
export function ownershipStints(messages: readonly StoredMessage[]): OwnershipStint[] {
  const first = new Map<string, StoredMessage>();
  for (const m of messages) {
    const id = `${m.key}\u0000${m.seq}`;
    const seen = first.get(id);
    if (!seen || m.insertedAtMs < seen.insertedAtMs) first.set(id, m);
  }
  const ordered = [...first.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq));
  const stints: OwnershipStint[] = [];
  let open: OwnershipStint | undefined;
  for (const m of ordered) {
    if (open && open.key === m.key && open.owner === m.owner) {
      open.lastSeq = m.seq;
      open.fromMs = Math.min(open.fromMs, m.insertedAtMs);
      open.toMs = Math.max(open.toMs, m.insertedAtMs);
      continue;
    }
    open = {
      key: m.key,
      partition: m.partition,
      owner: m.owner,
      firstSeq: m.seq,
      lastSeq: m.seq,
      fromMs: m.insertedAtMs,
      toMs: m.insertedAtMs,
    };
    stints.push(open);
  }
  return stints;
}

const at = (ms: number) => new Date(ms).toISOString();
const span = (s: OwnershipStint) => `seqs ${s.firstSeq}-${s.lastSeq} during ${at(s.fromMs)}..${at(s.toMs)}`;

/** One line per breach: two workers' stints of a key overlapping, or a key changing worker with no take of its partition in between. */
export function ownershipViolations(stints: readonly OwnershipStint[], takes: readonly PartitionTake[]): string[] {
  const byKey = new Map<string, OwnershipStint[]>();
  for (const s of stints) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
  const violations: string[] = [];
  for (const [key, own] of byKey) {
    own.sort((a, b) => a.firstSeq - b.firstSeq);
    for (let i = 0; i < own.length; i++) {
      for (let j = i + 1; j < own.length; j++) {
        const [a, b] = [own[i]!, own[j]!];
        if (a.owner !== b.owner && a.fromMs < b.toMs && b.fromMs < a.toMs) {
          violations.push(`${key}: stored by ${a.owner} (${span(a)}) and by ${b.owner} (${span(b)}) at once`);
        }
      }
    }
    for (let i = 1; i < own.length; i++) {
      const [before, after] = [own[i - 1]!, own[i]!];
      const handover = takes.some(
        (t) => t.owner === after.owner && t.partition === after.partition && before.toMs <= t.atMs && t.atMs <= after.fromMs,
      );
      if (!handover) {
        violations.push(
          `${key}: moved from ${before.owner} (${span(before)}) to ${after.owner} (${span(after)}) with no take of partition ${after.partition} by ${after.owner} in between`,
        );
      }
    }
  }
  return violations;
}
