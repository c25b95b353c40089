/** One partition's batch inside a commit: the partition and the sequence range of its messages. */
export type JournalMember = readonly [partition: number, first: number, last: number];

/** A partition batch's deduplication token: its stream, partition and sequence range, so a re-formed batch repeats it. */
export const batchToken = (stream: string, partition: number, first: number, last: number): string =>
  `${stream}:${partition}:${first}-${last}`;

/**
 * What the journal holds for one partition. `committed`: the highest stream sequence whose rows
 * are in ClickHouse; `inflight`: a commit begun but not known to be finished, with every member
 * of its group (other partitions' ranges too) and its deduplication token.
 */
export interface JournalEntry {
  owner: string;
  /** Bumped by each new owner: a write with an older revision fails, which fences a stale owner. */
  epoch: number;
  committed: number;
  /**
   * When the partition's consumer was created: an entry written for an earlier consumer (deleted
   * and made again, to replay a stream into a new database) says nothing about this one's messages.
   */
  consumerCreated?: string;
  inflight?: JournalCommit;
  /**
   * The last commit of a group that a recovering worker aborted with this partition as its leader:
   * the worker that began it, should it still be running, can neither begin nor decide it here.
   */
  aborted?: string;
}

/**
 * A commit in flight, in the entry of each of its members. A group's member writes are separate,
 * so a group counts as begun only once its leader's copy says `decided` (written after every
 * member's): a recovering worker finishes a decided group and aborts any other, which nothing of
 * was stored. Entries written before `leader` existed count as decided.
 */
export interface JournalCommit {
  token: string;
  members: JournalMember[];
  /** The member partition whose entry decides the group. */
  leader?: number;
  decided?: boolean;
}

/** A group's members with its leader (the first) last: the order its entries are finished in. */
export const leaderLast = (members: readonly JournalMember[]): JournalMember[] => [...members.slice(1), ...members.slice(0, 1)];

export const emptyEntry = (): JournalEntry => ({ owner: '', epoch: 0, committed: 0 });

export const journalKey = (partition: number): string => `p${String(partition).padStart(3, '0')}`;

export function encodeEntry(entry: JournalEntry): string {
  return JSON.stringify(entry);
}

export function decodeEntry(text: string): JournalEntry {
  const value = JSON.parse(text) as Partial<JournalEntry>;
  return {
    owner: value.owner ?? '',
    epoch: value.epoch ?? 0,
    committed: value.committed ?? 0,
    ...(value.consumerCreated ? { consumerCreated: value.consumerCreated } : {}),
    ...(value.inflight ? { inflight: value.inflight } : {}),
    ...(value.aborted ? { aborted: value.aborted } : {}),
  };
}
