import type { Logger } from '../../telemetry/logger.js';
import type { Membership } from './membership.js';
import { partitionsOf } from './partition-assignment.js';

/** A partition this worker consumes: started when taken, stopped (drained, acked, unpinned) when released. */
export interface OwnedPartition {
  release(): Promise<void>;
}

export interface OwnershipOptions<P extends OwnedPartition> {
  self: string;
  partitions: number;
  /** Partitions this worker always owns and no other (WORKER_PARTITIONS); empty: the live workers share them all. */
  fixed: readonly number[];
  log: Logger;
  take(partition: number): P;
}

/**
 * Which partitions this worker consumes. With a static assignment, exactly the fixed ones; else
 * every live worker (membership) computes the same rendezvous assignment, takes what it is given
 * and releases the rest: a partition let go is drained (flushed and acked) and then unpinned, so
 * its new owner starts at once. While views of the membership differ, the pinned priority group
 * still lets only one worker consume a partition.
 */
export class PartitionOwnership<P extends OwnedPartition> {
  private readonly owned = new Map<number, P>();
  private membership: Membership | undefined;
  private settled: Promise<void> = Promise.resolve();
  private leaving = false;

  constructor(private readonly o: OwnershipOptions<P>) {}

  /** Partitions owned now, ascending. */
  get partitions(): number[] {
    return [...this.owned.keys()].sort((x, y) => x - y);
  }

  get(partition: number): P | undefined {
    return this.owned.get(partition);
  }

  entries(): IterableIterator<[number, P]> {
    return this.owned.entries();
  }

  /** Joins the live workers (or takes the fixed partitions) and resolves once the first assignment is applied. */
  async start(join: (onChange: (members: string[]) => void) => Promise<Membership>): Promise<void> {
    if (this.o.fixed.length > 0) this.assign(new Set(this.o.fixed), 1);
    else
      this.membership = await join((members) =>
        this.assign(new Set(partitionsOf(this.o.self, members, this.o.partitions)), members.length),
      );
    await this.settled;
  }

  private assign(mine: Set<number>, members: number): void {
    this.settled = this.settled.then(async () => {
      if (this.leaving) return;
      for (const p of mine) if (!this.owned.has(p)) this.owned.set(p, this.o.take(p));
      const released = [...this.owned.entries()].filter(([p]) => !mine.has(p));
      for (const [p] of released) this.owned.delete(p);
      await Promise.all(released.map(([, owned]) => owned.release()));
      this.o.log.info({ members, owned: this.partitions }, 'partitions assigned');
    });
  }

  /** Leaves first, so the others start asking for our partitions; the pins fence them until each is released. */
  async leave(): Promise<void> {
    this.leaving = true;
    await this.membership?.leave();
    await this.settled;
    const held = [...this.owned.values()];
    this.owned.clear();
    await Promise.all(held.map((owned) => owned.release()));
  }
}
