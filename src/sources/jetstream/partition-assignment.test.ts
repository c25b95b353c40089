import { describe, expect, it } from 'vitest';
import { partitionOwners, partitionsOf } from './partition-assignment.js';

const workers = (n: number) => Array.from({ length: n }, (_, i) => `host-${i}-${1000 + i}`);

describe('partition assignment', () => {
  it('gives every partition to exactly one live member, whatever order members are listed in', () => {
    const members = workers(3);
    const owners = partitionOwners(members, 16);
    expect(owners).toHaveLength(16);
    for (const owner of owners) expect(members).toContain(owner);
    expect(partitionOwners([...members].reverse(), 16)).toEqual(owners);
    const all = members.flatMap((m) => partitionsOf(m, members, 16)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 16 }, (_, p) => p));
  });

  it('gives a lone worker every partition', () => {
    expect(partitionsOf('solo', ['solo'], 4)).toEqual([0, 1, 2, 3]);
  });

  it("moves only the leaving member's partitions", () => {
    const members = workers(4);
    const before = partitionOwners(members, 64);
    const after = partitionOwners(
      members.filter((m) => m !== members[2]),
      64,
    );
    before.forEach((owner, p) => {
      if (owner !== members[2]) expect(after[p]).toBe(owner);
    });
  });

  it('moves to a joining member only partitions it takes', () => {
    const members = workers(3);
    const before = partitionOwners(members, 64);
    const after = partitionOwners([...members, 'newcomer'], 64);
    for (const [p, owner] of before.entries()) expect([owner, 'newcomer']).toContain(after[p]);
    expect(after.filter((o) => o === 'newcomer').length).toBeGreaterThan(0);
  });

  it('spreads partitions roughly evenly', () => {
    const members = workers(4);
    const counts = members.map((m) => partitionsOf(m, members, 256).length);
    for (const n of counts) expect(n).toBeGreaterThan(256 / 4 / 2);
  });
});
