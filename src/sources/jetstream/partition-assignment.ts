/** FNV-1a, 32 bit, with a final avalanche: cheap and well spread for short keys. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Which member owns each partition: rendezvous (highest random weight) hashing. Every worker that
 * sees the same members computes the same owners, and when a member joins or leaves only the
 * partitions it gains or held move.
 */
export function partitionOwners(members: readonly string[], partitions: number): string[] {
  const owners: string[] = [];
  for (let p = 0; p < partitions; p++) {
    let best = '';
    let bestWeight = -1;
    for (const member of members) {
      const weight = hash(`${member}/${p}`);
      if (weight > bestWeight || (weight === bestWeight && member < best)) {
        best = member;
        bestWeight = weight;
      }
    }
    owners.push(best);
  }
  return owners;
}

export function partitionsOf(member: string, members: readonly string[], partitions: number): number[] {
  return partitionOwners(members, partitions).flatMap((owner, p) => (owner === member ? [p] : []));
}
