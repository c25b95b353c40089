import { describe, expect, it } from 'vitest';
import { ownershipStints, ownershipViolations, type PartitionTake, type StoredMessage } from './ownership-intervals.js';

const stored = (owner: string, seq: number, insertedAtMs: number, key = 'dev-1', partition = 2): StoredMessage => ({
  owner,
  key,
  partition,
  seq,
  insertedAtMs,
});
const take = (owner: string, atMs: number, partition = 2): PartitionTake => ({ owner, partition, atMs });

describe('ownership intervals', () => {
  it("cuts a key's messages into stints of one worker, in stream order", () => {
    const stints = ownershipStints([
      stored('b', 4, 400),
      stored('a', 1, 100),
      stored('a', 2, 150),
      stored('b', 3, 300),
      stored('a', 5, 500),
    ]);
    expect(stints.map((s) => [s.owner, s.firstSeq, s.lastSeq, s.fromMs, s.toMs])).toEqual([
      ['a', 1, 2, 100, 150],
      ['b', 3, 4, 300, 400],
      ['a', 5, 5, 500, 500],
    ]);
  });

  it('counts a sequence stored by two workers for the first to insert it', () => {
    const stints = ownershipStints([stored('a', 1, 100), stored('a', 2, 110), stored('b', 2, 900), stored('b', 3, 950)]);
    expect(stints.map((s) => [s.owner, s.firstSeq, s.lastSeq, s.fromMs])).toEqual([
      ['a', 1, 2, 100],
      ['b', 3, 3, 950],
    ]);
  });

  it('accepts a handover where the stints touch and the new owner took the partition between them', () => {
    const stints = ownershipStints([stored('a', 1, 100), stored('a', 2, 200), stored('b', 3, 200), stored('b', 4, 300)]);
    expect(ownershipViolations(stints, [take('a', 50), take('b', 200)])).toEqual([]);
  });

  it("reports two workers storing a key's messages at once", () => {
    // b's stint begins before a's ends, though b took the partition before either.
    const stints = ownershipStints([stored('a', 1, 100), stored('a', 2, 300), stored('b', 3, 200), stored('b', 4, 400)]);
    const violations = ownershipViolations(stints, [take('a', 50), take('b', 60)]);
    expect(violations[0]).toBe(
      'dev-1: stored by a (seqs 1-2 during 1970-01-01T00:00:00.100Z..1970-01-01T00:00:00.300Z) and by b (seqs 3-4 during 1970-01-01T00:00:00.200Z..1970-01-01T00:00:00.400Z) at once',
    );
  });

  it('reports two workers taking turns on one partition without handing it over', () => {
    const stints = ownershipStints([stored('a', 1, 100), stored('b', 2, 200), stored('a', 3, 300), stored('b', 4, 400)]);
    expect(ownershipViolations(stints, [take('a', 50), take('b', 150)])).toHaveLength(2);
  });

  it('reports a move with no take of the partition by the new owner in between', () => {
    const stints = ownershipStints([stored('a', 1, 100), stored('b', 2, 300)]);
    expect(ownershipViolations(stints, [take('b', 50), take('b', 250, 3), take('c', 200)])).toEqual([
      'dev-1: moved from a (seqs 1-1 during 1970-01-01T00:00:00.100Z..1970-01-01T00:00:00.100Z) to b (seqs 2-2 during 1970-01-01T00:00:00.300Z..1970-01-01T00:00:00.300Z) with no take of partition 2 by b in between',
    ]);
  });

  it('keeps keys apart: two workers storing different devices at once is their job', () => {
    const stints = ownershipStints([
      stored('a', 1, 100, 'dev-1', 1),
      stored('a', 3, 300, 'dev-1', 1),
      stored('b', 2, 150, 'dev-2', 2),
      stored('b', 4, 350, 'dev-2', 2),
    ]);
    expect(ownershipViolations(stints, [])).toEqual([]);
  });
});
