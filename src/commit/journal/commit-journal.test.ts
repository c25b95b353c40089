import { describe, expect, it } from 'vitest';
import { createLogger } from '../../telemetry/logger.js';
import { CommitJournal, FencedError } from './commit-journal.js';
import { emptyEntry, type JournalEntry } from './entry.js';
import { WrongRevisionError, type JournalStore } from './kv-store.js';

const testLogger = createLogger('silent');

/** The journal's store in memory, with the KV bucket's conditional writes. */
function memoryStore(): JournalStore & { entries: Map<number, { revision: number; entry: JournalEntry }> } {
  const entries = new Map<number, { revision: number; entry: JournalEntry }>();
  let revision = 0;
  return {
    entries,
    async read(partition) {
      const found = entries.get(partition);
      return found ? { revision: found.revision, entry: structuredClone(found.entry) } : { revision: 0, entry: emptyEntry() };
    },
    async write(partition, entry, expected) {
      if ((entries.get(partition)?.revision ?? 0) !== expected) throw new WrongRevisionError('wrong last sequence');
      entries.set(partition, { revision: ++revision, entry: structuredClone(entry) });
      return revision;
    },
  };
}

describe('commit journal over its store', () => {
  it('a take fences the previous owner: its next write is refused and it no longer holds the partition', async () => {
    const store = memoryStore();
    const a = new CommitJournal(store, 'a', testLogger);
    const b = new CommitJournal(store, 'b', testLogger);
    expect(await a.take(0, 'c1')).toMatchObject({ alreadyHeld: false, epoch: 1 });
    await a.begin('t1', [[0, 1, 10]], [1]);
    await a.finish('t1', [[0, 1, 10]]);
    const taken = await b.take(0, 'c1');
    expect(taken).toMatchObject({ alreadyHeld: false, epoch: 2 });
    expect(taken.entry.committed).toBe(10);
    await expect(a.begin('t2', [[0, 11, 20]], [1])).rejects.toBeInstanceOf(FencedError);
    expect(a.holds(0)).toBe(false);
    expect(b.holds(0, 2)).toBe(true);
  });

  it('taking again while holding keeps the epoch (a NATS blip), so commits under way stay valid', async () => {
    const a = new CommitJournal(memoryStore(), 'a', testLogger);
    await a.take(4, 'c1');
    expect(await a.take(4, 'c1')).toMatchObject({ alreadyHeld: true, epoch: 1 });
    await a.begin('t', [[4, 1, 5]], [1]);
  });

  it('a batch of an earlier hold is never journaled under a later one', async () => {
    const a = new CommitJournal(memoryStore(), 'a', testLogger);
    await a.take(0, 'c1');
    a.release(0);
    await a.take(0, 'c1');
    await expect(a.begin('t', [[0, 1, 5]], [1])).rejects.toThrow('a batch of an earlier hold (epoch 1, now 2)');
  });

  it('a recovering worker aborts an undecided group in its leader; the worker that began it can decide it no more', async () => {
    const store = memoryStore();
    const a = new CommitJournal(store, 'a', testLogger);
    const b = new CommitJournal(store, 'b', testLogger);
    await a.take(0, 'c1');
    await a.take(1, 'c1');
    const members = [
      [0, 1, 5],
      [1, 1, 7],
    ] as const;
    await a.begin('g', [...members], [1, 1]);
    const { entry } = await b.take(1, 'c1');
    expect(await b.resolve(entry.inflight!)).toBe('abort');
    await expect(a.decide('g', 0)).rejects.toBeInstanceOf(FencedError);
  });

  it('finishing a recovered commit moves committed in an entry another worker holds, which goes on writing over it', async () => {
    const store = memoryStore();
    const a = new CommitJournal(store, 'a', testLogger);
    const b = new CommitJournal(store, 'b', testLogger);
    await a.take(0, 'c1');
    await a.begin('t', [[0, 1, 9]], [1]);
    await b.finishRecovered('t', [[0, 1, 9]]);
    expect((await a.read(0)).entry).toMatchObject({ owner: 'a', committed: 9 });
    expect((await a.read(0)).entry.inflight).toBeUndefined();
    // Still a's: its next write starts from the revision b wrote.
    await a.begin('u', [[0, 10, 12]], [1]);
    expect((await a.read(0)).entry.inflight?.token).toBe('u');
  });
});
