import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchPolicy } from '../batch/batch-policy.js';
import type { KindHandler } from '../kinds/kind.js';
import { createLogger } from '../telemetry/logger.js';
import { PipelineStats } from '../telemetry/pipeline-stats.js';
import { FillTurns } from './fill-turns.js';
import type { PartitionBatch } from './partition-batch.js';
import { PartitionPipeline, type TakenMessage } from './partition-pipeline.js';
import { ok } from './result.js';
import { ResultEffects } from './result-effects.js';

const log = createLogger('silent');
const table = { table: 't', columns: ['seq'] };

/** A kind that stores one row per message. */
const storing = (): KindHandler => ({
  accept: (message, out) => {
    out.row(table, [message.seq], message.seq, 'stored');
    return ok();
  },
  rollup: () => undefined,
  reset: vi.fn(),
  trackedKeys: 0,
});

const message = (seq: number, pending = 0): TakenMessage & { ack: ReturnType<typeof vi.fn<() => void>> } => ({
  seq,
  pending,
  subject: `telemetry.t.0.k${seq}`,
  kind: 't',
  key: `k${seq}`,
  data: new Uint8Array(10),
  arrivalMs: () => 0,
  msgId: () => undefined,
  ack: vi.fn<() => void>(),
  ackAck: async () => true,
});

/** A pipeline on a fake clock, with an inserter whose "free" the test says. */
function pipeline(limits = { maxRows: 3, maxBytes: 1_000_000, maxWaitMs: 500 }, fillTurns?: FillTurns) {
  const hold = { epoch: 1, storedThrough: 0 };
  const freeWaiters: Array<() => void> = [];
  const inserter = { busy: false, whenFree: (ready: () => void) => (inserter.busy ? freeWaiters.push(ready) : ready()) };
  const stats = new PipelineStats();
  const handler = storing();
  const p = new PartitionPipeline({
    policy: new BatchPolicy(limits),
    handlers: new Map([['t', handler]]),
    maxMsgBytes: 1_000,
    inserts: inserter,
    effects: new ResultEffects({ deadLetters: { publish: async () => true }, stats, kindLabel: (kind) => kind ?? 'unknown', log }),
    stats,
    hold,
    log,
    ...(fillTurns ? { fillTurns } : {}),
  });
  const cuts: PartitionBatch[] = [];
  // The run's side: take each cut and report it committed.
  void (async () => {
    for (let batch = await p.nextCut(); batch; batch = await p.nextCut()) {
      cuts.push(batch);
      p.committed();
    }
  })();
  const free = () => {
    inserter.busy = false;
    for (const ready of freeWaiters.splice(0)) ready();
  };
  return { p, hold, inserter, free, cuts, handler };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('partition pipeline: the batch cut state', () => {
  beforeEach(() => {
    // Timers and Date only: the event-loop slice's setImmediate stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 10_100 });
  });
  afterEach(() => vi.useRealTimers());

  it('cuts by size as soon as the batch is full', async () => {
    const { p, cuts } = pipeline();
    for (const seq of [1, 2, 3]) await p.take(message(seq));
    await settle();
    expect(cuts.map((b) => [b.firstSeq, b.lastSeq, b.messages])).toEqual([[1, 3, 3]]);
    expect(p.idle).toBe(true);
  });

  it('cuts by age on the max-wait grid, not max-wait after the first message', async () => {
    const { p, cuts } = pipeline();
    await p.take(message(1));
    await vi.advanceTimersByTimeAsync(399);
    expect(cuts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(cuts.map((b) => b.messages)).toEqual([1]);
  });

  it('a batch due by age waits for the inserter to be free, and takes what came meanwhile', async () => {
    const { p, cuts, inserter, free } = pipeline({ maxRows: 100, maxBytes: 1_000_000, maxWaitMs: 500 });
    inserter.busy = true;
    await p.take(message(1));
    await vi.advanceTimersByTimeAsync(400);
    expect(cuts).toHaveLength(0);
    await p.take(message(2));
    free();
    await settle();
    expect(cuts.map((b) => [b.firstSeq, b.lastSeq])).toEqual([[1, 2]]);
  });

  it('behind a backlog a batch at its age fills on and is cut by size', async () => {
    const { p, cuts } = pipeline({ maxRows: 3, maxBytes: 1_000_000, maxWaitMs: 500 });
    await p.take(message(1, 10));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(cuts).toHaveLength(0);
    await p.take(message(2, 9));
    await p.take(message(3, 8));
    await settle();
    expect(cuts.map((b) => b.messages)).toEqual([3]);
  });

  it('a batch that stopped growing for a whole tick gives its fill turn back', async () => {
    const turns = new FillTurns(1, 10_000);
    const release = vi.spyOn(turns, 'release');
    const { p } = pipeline({ maxRows: 3, maxBytes: 1_000_000, maxWaitMs: 500 }, turns);
    await p.take(message(1, 10));
    expect(turns.filling).toBe(1);
    await vi.advanceTimersByTimeAsync(400); // first tick: size noted
    expect(release).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(500); // a whole tick without growth
    expect(release).toHaveBeenCalledTimes(1);
    expect(turns.filling).toBe(0);
  });

  it('a message the hold says is stored is acked with the batch, not routed; its range is left out of the commit', async () => {
    const { p, hold, cuts, handler } = pipeline();
    hold.storedThrough = 2;
    const accept = vi.spyOn(handler, 'accept');
    for (const seq of [1, 2, 3]) await p.take(message(seq));
    await settle();
    expect(accept).toHaveBeenCalledTimes(1);
    expect(cuts[0]).toMatchObject({ firstSeq: 1, routedFrom: 3, lastSeq: 3, rows: 1 });
    expect([...cuts[0]!.tally.dropped.values()]).toEqual([2]);
  });

  it('a redelivery of a stored message is acked again; one still batched is left to its batch', async () => {
    const { p, hold } = pipeline({ maxRows: 100, maxBytes: 1_000_000, maxWaitMs: 500 });
    for (const seq of [1, 2, 3]) await p.take(message(seq));
    hold.storedThrough = 2;
    const stored = message(2);
    const batched = message(3);
    expect(p.take(stored)).toBeUndefined();
    expect(p.take(batched)).toBeUndefined();
    expect(stored.ack).toHaveBeenCalledTimes(1);
    expect(batched.ack).not.toHaveBeenCalled();
  });

  it('a new hold drops what the earlier one took: the batch unacked, the keyed state reset, messages taken afresh under the new epoch', async () => {
    const { p, hold, cuts, handler } = pipeline({ maxRows: 100, maxBytes: 1_000_000, maxWaitMs: 500 });
    await p.take(message(1));
    await p.take(message(2));
    hold.epoch = 2;
    p.newHold();
    expect(handler.reset).toHaveBeenCalled();
    expect(p.highestTaken).toBe(0);
    await p.take(message(1));
    await p.cutAndWait();
    expect(cuts.map((b) => [b.epoch, b.firstSeq, b.lastSeq])).toEqual([[2, 1, 1]]);
  });
});
