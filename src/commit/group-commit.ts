import { createHash } from 'node:crypto';
import type { InsertBatch, InsertOutcome, TableRows } from '../sinks/clickhouse/writer.js';
import type { JournalMember } from './journal/entry.js';
import { FencedError } from './journal/commit-journal.js';
import { backoffDelay, sleep } from '../util/timing.js';

/** What the partition consumers insert through: one batch in, one outcome out. */
export interface BatchInserter {
  insert(batch: InsertBatch, signal?: AbortSignal): Promise<InsertOutcome>;
  /** Inserts a part of a batch ClickHouse rejected, alone (never grouped, never journaled). */
  insertPart(batch: InsertBatch, signal?: AbortSignal): Promise<InsertOutcome>;
  /** Calls `ready` at once when no insert is under way, else as soon as the current one ends. */
  whenFree(ready: () => void): void;
}

/** A group's deduplication token: derived from its members' tokens in any order (a lone batch keeps its own). */
export function groupToken(memberTokens: readonly string[]): string {
  if (memberTokens.length === 1) return memberTokens[0]!;
  return `group:${createHash('sha256')
    .update([...memberTokens].sort().join('\n'))
    .digest('hex')
    .slice(0, 32)}`;
}

/** The journal a commit goes through: begun before its insert, finished after (see CommitJournal). */
export interface GroupJournal {
  /** `epochs[i]`: the hold member i was taken under (see InsertBatch.epoch). */
  begin(token: string, members: JournalMember[], epochs: readonly (number | undefined)[]): Promise<void>;
  /** After begin, for a group of more than one member: its leader (the first) records it decided. */
  decide(token: string, leader: number): Promise<void>;
  stillOwns(members: readonly JournalMember[], epochs: readonly (number | undefined)[]): Promise<boolean>;
  finish(token: string, members: readonly JournalMember[]): Promise<void>;
  abandon(token: string, members: readonly JournalMember[]): Promise<void>;
  /** Whether this worker still holds the partition's journal entry (under `epoch`, when given). */
  holds(partition: number, epoch?: number): boolean;
}

/**
 * Many batches as one: rows concatenated per table, a token derived from the members' tokens. The
 * rows are joined each time they are read (by the insert, which encodes them at once), so the group
 * kept for a retry does not keep a copy of them, nor an accumulator's rows, alive meanwhile.
 */
export function mergeBatches(batches: InsertBatch[]): InsertBatch {
  if (batches.length === 1) return batches[0]!;
  const parts = new Map<string, { columns: readonly string[]; members: TableRows[] }>();
  for (const batch of batches) {
    for (const member of batch.tables) {
      let part = parts.get(member.table);
      if (!part) parts.set(member.table, (part = { columns: member.columns, members: [] }));
      part.members.push(member);
    }
  }
  const tables = [...parts].map(
    ([table, { columns, members }]): TableRows => ({
      table,
      columns,
      get rows() {
        const rows: unknown[][] = [];
        for (const member of members) for (const row of member.rows) rows.push(row);
        return rows;
      },
    }),
  );
  return { token: groupToken(batches.map((b) => b.token)), tables };
}

interface Waiting {
  batch: InsertBatch;
  signal: AbortSignal | undefined;
  resolve: (outcome: InsertOutcome) => void;
  /** Answered before the group's outcome (fenced). */
  settled?: boolean;
}

/**
 * Group commit: one insert at a time; batches that arrive meanwhile wait and go together in the
 * next one. Sixteen partitions then make one insert per table instead of sixteen small ones, each
 * of which costs ClickHouse new parts in the table and in every rollup fed from it. A retried group
 * has the same members and so the same token. A group rejected as bad data is split into its members,
 * so only a bad batch goes on to have its bad messages isolated.
 */
export class GroupCommitInserter implements BatchInserter {
  private waiting: Waiting[] = [];
  private running = false;
  /** An insert is under way (not merely a group forming). */
  private inserting = false;
  private readyWaiters: Array<() => void> = [];

  constructor(
    private readonly inner: {
      insert(batch: InsertBatch, signal?: AbortSignal, stillOwned?: () => Promise<boolean>): Promise<InsertOutcome>;
    },
    private readonly journal?: GroupJournal,
  ) {}

  insertPart(batch: InsertBatch, signal?: AbortSignal): Promise<InsertOutcome> {
    return this.insertNow(batch, signal);
  }

  insert(batch: InsertBatch, signal?: AbortSignal): Promise<InsertOutcome> {
    return new Promise((resolve) => {
      this.waiting.push({ batch, signal, resolve });
      void this.run();
    });
  }

  /**
   * For batches due by age: cut while an insert is under way, a batch could not be inserted any
   * sooner, only smaller, and at a backlog smaller batches cost more (each insert has a fixed
   * price, and rollup partials aggregate over a batch's span). So they are cut when it ends, and
   * go together in the next insert.
   */
  whenFree(ready: () => void): void {
    if (this.inserting) this.readyWaiters.push(ready);
    else ready();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Let the other partitions' batches of this same turn join: when a group lands, every member
    // partition cuts its next batch in the microtasks that follow, and without this the first one
    // would go alone, paying a whole insert's fixed cost for a sixteenth of the rows.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting;
        this.waiting = [];
        const signal = group[0]!.signal;
        const outcome = await this.journaled(mergeBatches(group.map((m) => m.batch)), group, signal);
        if (!outcome.ok && outcome.reason === 'rejected' && group.length > 1) {
          // Tables the group stored before the rejection hold every member's rows: the members
          // insert only the rest, under their own tokens.
          const landed = outcome.landed;
          for (const member of group) {
            const rest = { ...member.batch, tables: member.batch.tables.filter((t) => !landed.includes(t.table)) };
            const own = await this.journaled(rest, [member], member.signal);
            member.resolve(own.ok || own.reason !== 'rejected' ? own : { ...own, landed: [...landed, ...own.landed] });
          }
        } else {
          for (const member of group) if (!member.settled) member.resolve(outcome);
        }
        const ready = this.readyWaiters;
        this.readyWaiters = [];
        for (const callback of ready) callback();
        if (ready.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Inserts through the journal: begun for every member before the insert, finished after it, so
   * a crash at any point leaves a new owner exactly this commit to re-form. A member whose
   * partition this worker lost meanwhile is left out (answered `fenced`) and the rest retried.
   */
  private async journaled(batch: InsertBatch, group: Waiting[], signal: AbortSignal | undefined): Promise<InsertOutcome> {
    const journal = this.journal;
    if (!journal) return this.insertNow(batch, signal);
    let members = group.filter((m) => !m.settled && m.batch.member);
    for (;;) {
      const list = members.map((m) => m.batch.member!);
      const epochs = members.map((m) => m.batch.epoch);
      if (list.length === 0) return this.insertNow(batch, signal);
      const token = batch.token;
      try {
        await this.untilJournaled(() => journal.begin(token, list, epochs), signal);
      } catch (error) {
        if (!(error instanceof FencedError)) return { ok: false, reason: 'aborted' };
        await journal.abandon(token, list).catch(() => undefined);
        const lost = members.filter((m) => !journal.holds(m.batch.member![0], m.batch.epoch));
        for (const m of lost) {
          m.settled = true;
          m.resolve({ ok: false, reason: 'fenced' });
        }
        members = members.filter((m) => !m.settled);
        if (members.length === 0) return { ok: false, reason: 'fenced' };
        batch = mergeBatches(members.map((m) => m.batch));
        continue;
      }
      if (list.length > 1) {
        try {
          await this.untilJournaled(() => journal.decide(token, list[0]![0]), signal);
        } catch (error) {
          if (!(error instanceof FencedError)) return { ok: false, reason: 'aborted' };
          // A worker that took a member over aborted the group before it was decided: nothing of it
          // is stored. Every member is answered `fenced` (see run), and each partition still held
          // here is taken again (the partition's run, on a fenced outcome).
          return { ok: false, reason: 'fenced' };
        }
      }
      const outcome = await this.insertNow(batch, signal, () => journal.stillOwns(list, epochs));
      // Recording the end may wait for NATS; the rows are stored either way (a new owner that finds
      // the commit unfinished re-forms it under the same token, a no-op).
      if (outcome.ok) await this.untilJournaled(() => journal.finish(token, list), signal).catch(() => undefined);
      // Only a rejection is forgotten: its batches go on to be split or isolated at once. A commit cut
      // short by a stop may have stored some tables: it stays journaled, and the next owner re-forms
      // it, which stores exactly the tables missing (cleared, its messages would be stored again
      // under other tokens).
      else if (outcome.reason === 'rejected') await journal.abandon(token, list).catch(() => undefined);
      return outcome;
    }
  }

  /**
   * A journal write, retried while NATS is away (a restart, a partition); a FencedError ends it at
   * once, and so does the worker's hard stop (as an abort).
   */
  private async untilJournaled(write: () => Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (error instanceof FencedError || signal?.aborted) throw error;
        await sleep(backoffDelay(attempt, { initialMs: 100, maxMs: 5_000 }), signal);
        if (signal?.aborted) throw error;
      }
    }
  }

  private async insertNow(
    batch: InsertBatch,
    signal: AbortSignal | undefined,
    stillOwned?: () => Promise<boolean>,
  ): Promise<InsertOutcome> {
    this.inserting = true;
    try {
      return await this.inner.insert(batch, signal, stillOwned);
    } finally {
      this.inserting = false;
    }
  }
}
