import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../telemetry/logger.js';
import type { JournalCommit, JournalEntry, JournalMember } from './entry.js';
import { openKvJournalStore, WrongRevisionError, type JournalStore, type StoredEntry } from './kv-store.js';
import * as transition from './transitions.js';

/** This worker no longer owns the partition: another worker wrote its journal entry since. */
export class FencedError extends Error {
  override name = 'FencedError';
}

/**
 * The batch journal, one entry per partition in a store (a NATS KV bucket), each write conditional on the
 * revision this worker last saw (so a worker that lost a partition can write no more for it):
 * before a commit's insert its members are journaled `inflight` with the commit's token; after
 * it, `committed` moves to each member's last sequence. A new owner finds what a crashed one left
 * unfinished and re-forms exactly that commit under the same token, so ClickHouse drops it if
 * the first insert landed; messages up to `committed` are acked without being stored again.
 */
export class CommitJournal {
  /** The revision and entry this worker wrote or read last, per partition it owns. */
  private readonly held = new Map<number, StoredEntry>();

  constructor(
    private readonly store: JournalStore,
    private readonly owner: string,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, bucket: string, owner: string, replicas: number, log: Logger): Promise<CommitJournal> {
    return new CommitJournal(await openKvJournalStore(nc, bucket, replicas), owner, log);
  }

  /** Reads a partition's entry (no ownership taken): for recovery of other partitions and for status. */
  read(partition: number): Promise<StoredEntry> {
    return this.store.read(partition);
  }

  /**
   * Takes a partition: writes this worker as its owner with a new epoch, fencing the previous
   * owner. Returns the entry found; one written for another consumer than `consumerCreated` (the
   * consumer was deleted and made again) comes back empty but for its epoch.
   */
  async take(partition: number, consumerCreated: string): Promise<{ entry: JournalEntry; alreadyHeld: boolean; epoch: number }> {
    for (;;) {
      const read = await this.read(partition);
      const { revision } = read;
      // Pinned again after a NATS blip, still this worker's: keep the epoch, so commits under way stay valid.
      const held = this.held.get(partition);
      if (held && transition.sameHold(read.entry, held.entry)) {
        this.held.set(partition, read);
        return { entry: read.entry, alreadyHeld: true, epoch: read.entry.epoch };
      }
      const { previous, mine } = transition.take(read.entry, this.owner, consumerCreated);
      try {
        const written = await this.store.write(partition, mine, revision);
        this.held.set(partition, { revision: written, entry: mine });
        return { entry: previous, alreadyHeld: false, epoch: mine.epoch };
      } catch (error) {
        if (!(error instanceof WrongRevisionError)) throw error;
        // Another worker wrote meanwhile (a recovery clearing an inflight commit): read again.
      }
    }
  }

  /** Whether this worker holds the partition's entry (under `epoch`, when one is given). */
  holds(partition: number, epoch?: number): boolean {
    const held = this.held.get(partition);
    return held !== undefined && (epoch === undefined || held.entry.epoch === epoch);
  }

  release(partition: number): void {
    this.held.delete(partition);
  }

  /**
   * Journals a commit before its insert. `epochs[i]`: the epoch under which member i's messages were
   * taken; a batch of an earlier hold is never journaled under a later one (its messages are taken
   * afresh in the new hold). Throws FencedError naming a partition this worker lost. A group (more
   * than one member) is not begun until `decide`: the first member is its leader.
   */
  async begin(token: string, members: JournalMember[], epochs: readonly (number | undefined)[]): Promise<void> {
    // A lone batch's commit is one write: decided as it is begun.
    const inflight: JournalCommit = { token, members, leader: members[0]![0], decided: members.length === 1 };
    await Promise.all(members.map(([p], i) => this.update(p, (e) => transition.begin(e, p, inflight), epochs[i])));
  }

  /**
   * Once every member of a group is journaled: its leader's entry records it decided, and from then
   * on a new owner of any member finishes it instead of aborting it. Throws FencedError when a
   * recovering worker aborted it first (or took the leader).
   */
  async decide(token: string, leader: number): Promise<void> {
    await this.update(leader, (e) => transition.decide(e, token));
  }

  /**
   * Whether a commit a previous owner left in flight is finished or aborted. A group not decided in
   * its leader's entry may be journaled on some members only and was never inserted: it is aborted
   * there, so the worker that began it, should it still run, can decide it no more.
   */
  async resolve(commit: JournalCommit): Promise<'finish' | 'abort'> {
    if (commit.leader === undefined || commit.decided) return 'finish';
    const aborted = await this.rewrite(commit.leader, (entry) => transition.abortUndecided(entry, commit.token));
    return aborted ? 'abort' : 'finish';
  }

  /**
   * False once any member's entry names another owner or epoch (checked before an insert is
   * retried). While NATS cannot be asked it answers true: the insert's token still makes a repeat
   * a no-op, and treating a blip as a lost partition would leave the batch unacked behind later ones.
   */
  async stillOwns(members: readonly JournalMember[], epochs: readonly (number | undefined)[]): Promise<boolean> {
    for (const [i, [p]] of members.entries()) {
      const held = this.held.get(p);
      if (!held || (epochs[i] !== undefined && held.entry.epoch !== epochs[i])) return false;
      const now = await this.read(p).catch(() => undefined);
      if (now && !transition.sameHold(now.entry, held.entry)) return false;
    }
    return true;
  }

  /**
   * The commit's rows are stored: each member's committed sequence moves to its last, the leader's
   * last of all (a member still journaling the commit while its leader does not would read as a
   * group never decided). A member taken over meanwhile is finished in its new owner's entry, where
   * that still names the commit.
   */
  async finish(token: string, members: readonly JournalMember[]): Promise<void> {
    const leader = members[0]!;
    const others = members.slice(1);
    const finished = await Promise.all(others.map((m) => this.finishOwn(token, m)));
    if (finished.includes(false)) await this.finishRecovered(token, others);
    if (!(await this.finishOwn(token, leader))) await this.finishRecovered(token, [leader]);
  }

  /** False when the partition was taken over: its new owner re-forms the commit, or this worker finishes it there. */
  private async finishOwn(token: string, [p, , last]: JournalMember): Promise<boolean> {
    try {
      await this.update(p, (e) => transition.finish(e, token, last));
      return true;
    } catch (error) {
      if (!(error instanceof FencedError)) throw error;
      this.log.info({ partition: p, token }, 'partition taken over after its commit was stored; finishing the commit in its new entry');
      return false;
    }
  }

  /** Forgets a commit begun but not inserted (e.g. a rejected or abandoned batch): nothing of it was stored. */
  async abandon(token: string, members: readonly JournalMember[]): Promise<void> {
    await Promise.all(members.map(([p]) => this.update(p, (e) => transition.abandon(e, token)).catch(() => undefined)));
  }

  /**
   * Marks a recovered commit finished on every member's entry (`stored`: its committed sequence
   * moves to the member's last; else the commit was aborted and only leaves the entry), whoever owns
   * it now: only where the entry still names that commit (a write conditional on the revision read).
   * In the order given: a whole group's leader last (see leaderLast), as in finish.
   */
  async finishRecovered(token: string, members: readonly JournalMember[], stored = true): Promise<void> {
    for (const [p, , last] of members) {
      await this.rewrite(p, (entry) => transition.finishRecovered(entry, token, last, stored));
    }
  }

  /**
   * A write into a partition's entry whoever owns it: `change` of the entry as read, conditional on
   * its revision and made again when another write came first; none when `change` returns
   * undefined. True when it wrote.
   */
  private async rewrite(partition: number, change: (entry: JournalEntry) => JournalEntry | undefined): Promise<boolean> {
    for (;;) {
      const { revision, entry } = await this.read(partition);
      const next = change(entry);
      if (next === undefined) return false;
      try {
        this.keepHeld(partition, await this.store.write(partition, next, revision), next);
        return true;
      } catch (error) {
        if (!(error instanceof WrongRevisionError)) throw error;
      }
    }
  }

  /** Another worker's write into an entry this worker holds (it keeps owner and epoch): the next write starts from it. */
  private keepHeld(partition: number, revision: number, entry: JournalEntry): void {
    const held = this.held.get(partition);
    if (held && transition.sameHold(held.entry, entry)) this.held.set(partition, { revision, entry });
  }

  /**
   * A conditional write of this worker's entry. When the revision moved but the entry still names
   * this worker and epoch, another worker finished a recovered commit in it: take its entry and
   * write again. A new owner or epoch means this worker lost the partition.
   */
  private async update(
    partition: number,
    change: (entry: JournalEntry) => JournalEntry | transition.Refused,
    epoch?: number,
  ): Promise<void> {
    for (;;) {
      const held = this.held.get(partition);
      if (!held) throw new FencedError(`partition ${partition} is not this worker's`);
      if (epoch !== undefined && held.entry.epoch !== epoch)
        throw new FencedError(`partition ${partition}: a batch of an earlier hold (epoch ${epoch}, now ${held.entry.epoch})`);
      const next = change(held.entry);
      if (transition.isRefused(next)) throw new FencedError(next.refused);
      try {
        const revision = await this.store.write(partition, next, held.revision);
        // A take of this worker's during the write has begun a new hold: it stays.
        if (this.held.get(partition) === held) this.held.set(partition, { revision, entry: next });
        return;
      } catch (error) {
        if (!(error instanceof WrongRevisionError)) throw error;
        const now = await this.read(partition);
        if (!transition.sameHold(now.entry, held.entry)) {
          // Only the hold this write was made under is lost: a take since may have begun a new one.
          if (this.held.get(partition) === held) this.held.delete(partition);
          throw new FencedError(`partition ${partition} was taken over by another worker`);
        }
        if (this.held.get(partition) === held) this.held.set(partition, now);
      }
    }
  }
}
