import { describe, expect, it } from 'vitest';
import { GroupCommitInserter, mergeBatches, type BatchInserter } from './group-commit.js';
import type { InsertBatch, InsertOutcome } from '../sinks/clickhouse/writer.js';
import { until } from '../../test/helpers/until.js';

const batch = (token: string, rows: number[]): InsertBatch => ({
  token,
  tables: [
    { table: 't', columns: ['n'], rows: rows.map((n) => [n]) },
    { table: 'p', columns: ['token'], rows: [[token]] },
  ],
});

/** An inserter that records what it was given and answers from a script. */
function recording(answer: (b: InsertBatch) => InsertOutcome) {
  const calls: InsertBatch[] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const inner: Pick<BatchInserter, 'insert'> = {
    async insert(b) {
      calls.push(b);
      await gate;
      return answer(b);
    },
  };
  return { inner, calls, hold: () => (gate = new Promise((r) => (release = r))), release: () => release() };
}

describe('group commit', () => {
  it('merges rows per table and derives the token from the members, in any order', () => {
    const a = batch('S:0:1-5', [1, 2]);
    const b = batch('S:1:3-9', [3]);
    const merged = mergeBatches([a, b]);
    expect(merged.tables).toEqual([
      { table: 't', columns: ['n'], rows: [[1], [2], [3]] },
      { table: 'p', columns: ['token'], rows: [['S:0:1-5'], ['S:1:3-9']] },
    ]);
    expect(mergeBatches([b, a]).token).toBe(merged.token);
    expect(mergeBatches([a, batch('S:1:3-10', [3])]).token).not.toBe(merged.token);
    expect(mergeBatches([a])).toBe(a);
  });

  it('groups what arrives in one turn, and what arrives during an insert', async () => {
    const r = recording(() => ({ ok: true, attempts: 1 }));
    const inserter = new GroupCommitInserter(r.inner);
    r.hold();
    const first = inserter.insert(batch('a', [1]));
    const second = inserter.insert(batch('b', [2]));
    await until(() => r.calls.length === 1, 'the first insert');
    const third = inserter.insert(batch('c', [3]));
    const fourth = inserter.insert(batch('d', [4]));
    r.release();
    expect(await Promise.all([first, second, third, fourth])).toEqual(Array(4).fill({ ok: true, attempts: 1 }));
    expect(r.calls.map((c) => c.tables[0]!.rows.length)).toEqual([2, 2]);
  });

  it('tells a waiting batch when no insert is under way', async () => {
    const r = recording(() => ({ ok: true, attempts: 1 }));
    const inserter = new GroupCommitInserter(r.inner);
    const order: string[] = [];
    inserter.whenFree(() => order.push('idle'));
    r.hold();
    // Made ready while a group is forming (no insert under way yet): it joins that group.
    const forming = inserter.insert(batch('0', [0]));
    inserter.whenFree(() => void inserter.insert(batch('1', [1])));
    await until(() => r.calls.length === 1, 'the forming group');
    expect(r.calls[0]!.tables[0]!.rows).toEqual([[0], [1]]);
    r.release();
    await forming;
    r.hold();
    const running = inserter.insert(batch('a', [1]));
    await until(() => r.calls.length === 2, 'the insert');
    inserter.whenFree(() => {
      order.push('free');
      void inserter.insert(batch('b', [2]));
    });
    expect(order).toEqual(['idle']);
    r.release();
    await running;
    await until(() => r.calls.length === 3, 'the next insert');
    expect(order).toEqual(['idle', 'free']);
  });

  it('splits a group rejected as bad data, so only the bad batch is rejected', async () => {
    const r = recording((b) =>
      b.tables[0]!.rows.some((row) => row[0] === 666)
        ? { ok: false, reason: 'rejected', errorClass: 'bad_data', message: 'bad', landed: [] }
        : { ok: true, attempts: 1 },
    );
    const inserter = new GroupCommitInserter(r.inner);
    r.hold();
    const blocker = inserter.insert(batch('x', [0]));
    const good = inserter.insert(batch('good', [1]));
    const bad = inserter.insert(batch('bad', [666]));
    r.release();
    await blocker;
    expect((await good).ok).toBe(true);
    expect(await bad).toMatchObject({ ok: false, reason: 'rejected' });
  });
});
