import type { Logger } from '../telemetry/logger.js';
import type { Hold } from './hold.js';
import type { CommitJournal } from './journal/commit-journal.js';
import type { JournalEntry } from './journal/entry.js';
import { recoverInflight, type RecoveryOptions } from './recover.js';

export interface TakeoverOptions {
  journal: CommitJournal;
  /** When the partition's consumer was created: an entry written for an earlier consumer says nothing of this one's messages. */
  consumerCreated(partition: number): Promise<string>;
  /** What finishing a previous owner's commit needs (see recoverInflight). */
  recovery: Omit<RecoveryOptions, 'journal' | 'log'>;
}

/** The journal entry taken: whether that began a new hold (a new epoch), and what the previous owner left. */
export interface Taken {
  newHold: boolean;
  entry: JournalEntry;
}

/**
 * Taking a partition over at the start of a pinned session, in two steps the partition's run puts
 * its own reset between: `take` writes this worker into the journal entry (fencing the previous
 * owner, who no longer holds the pin), `settle` finishes a commit that owner left in flight and
 * tells the hold what is stored already. Taken at the pin, not at assignment: a worker releasing
 * the partition keeps committing until it unpins. A throw ends the session, which the source retries.
 */
export class Takeover {
  constructor(private readonly o: TakeoverOptions) {}

  async take(hold: Hold): Promise<Taken> {
    const created = await this.o.consumerCreated(hold.partition);
    const { entry, alreadyHeld, epoch } = await this.o.journal.take(hold.partition, created);
    // Pinned again while still holding the entry (a NATS blip): its commits under way are this worker's own.
    if (!alreadyHeld) hold.begin(epoch);
    return { newHold: !alreadyHeld, entry };
  }

  async settle(hold: Hold, taken: Taken, log: Logger): Promise<void> {
    if (taken.newHold && taken.entry.inflight) await this.recoverOrRelease(hold, taken.entry, log);
    hold.stored((await this.o.journal.read(hold.partition)).entry.committed);
  }

  /**
   * After a fenced commit: when this worker still holds the entry (another member of the commit was
   * lost, and its new owner re-forms the commit, this partition's batch included), lets it go, so
   * the next session takes it again, finishes that commit too and skips what it stored. True then.
   */
  letGoAfterFence(hold: Hold): boolean {
    if (!this.o.journal.holds(hold.partition)) return false;
    this.o.journal.release(hold.partition);
    return true;
  }

  /** The partition is released: this worker writes no more into its entry. */
  release(hold: Hold): void {
    this.o.journal.release(hold.partition);
  }

  /**
   * Finishes the commit a previous owner left in flight. Until that succeeds the partition is not
   * this worker's to consume: the hold is released, so the session's retry takes the entry again
   * (a new epoch, not "already held") and recovers again, instead of going on to commit over it.
   */
  private async recoverOrRelease(hold: Hold, entry: JournalEntry, log: Logger): Promise<void> {
    try {
      await recoverInflight(entry, { ...this.o.recovery, journal: this.o.journal, log });
    } catch (error) {
      this.o.journal.release(hold.partition);
      throw error;
    }
  }
}
