import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Worker } from '../../src/worker/worker.js';
import { CommitJournal } from '../../src/commit/journal/commit-journal.js';
import { batchToken, decodeEntry, journalKey, type JournalMember } from '../../src/commit/journal/entry.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');

/**
 * A worker that takes a partition over acks the messages its previous owner stored without storing
 * them again, and they may open its first batch. Its commit must name only the messages it stores:
 * a new owner re-forms a commit left in flight from the journaled ranges, and a range reaching back
 * over the stored ones stored them a second time in every table the first insert had not reached
 * (seen in chaos runs: 800 messages counted twice in the daily rollup, raw rows and hourly exact).
 */
describe('a batch that opens with messages a previous owner stored', () => {
  let t: SiftTestEnv;
  let worker: Worker | undefined;

  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '1', FILTER_CHANGE_THRESHOLD: '0.000001' });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('journals only the messages it stores', async () => {
    for (let i = 0; i < 20; i++) {
      await t.publish('telemetry.metrics.pump-1', {
        ts: new Date(T0 + i * 10_000).toISOString(),
        metrics: { temp: 20 + i, rpm: 1000 + 100 * i },
      });
    }
    const { stream } = t.config.nats;
    const created = (await (await jetstreamManager(t.nc)).consumers.info(stream, consumerName('sift', 0))).created;
    // A previous owner journaled a commit of messages 1-10 and died before its ack: the next owner
    // re-forms and stores it, then takes messages 1-20 from the ack floor, 1-10 as already stored.
    const gone = await CommitJournal.open(t.nc, 'sift-journal', 'gone', 1, testLogger);
    const { epoch } = await gone.take(0, String(created));
    const previous = batchToken(stream, 0, 1, 10);
    await gone.begin(previous, [[0, 1, 10]], [epoch]);

    const journaled: JournalMember[] = [];
    const kv = await new Kvm(t.nc).open('sift-journal');
    const watch = await kv.watch({ key: journalKey(0) });
    const watching = (async () => {
      for await (const e of watch) {
        if (e.operation !== 'PUT' || e.length === 0) continue;
        const inflight = decodeEntry(e.string()).inflight;
        if (inflight && inflight.token !== previous) journaled.push(...inflight.members);
      }
    })();

    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
    watch.stop();
    await watching;

    expect(journaled.length).toBeGreaterThan(0);
    for (const [partition, first] of journaled) {
      expect(partition).toBe(0);
      expect(first).toBeGreaterThan(10);
    }
    const covered = new Set<number>();
    for (const [, first, last] of journaled) for (let s = first; s <= last; s++) covered.add(s);
    expect([...covered].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i));

    const [stored] = await rows<{ raw: number; seqs: number; samples: number }>(
      worker.clickhouse,
      `SELECT (SELECT count() FROM ${t.config.clickhouse.database}.device_metrics) AS raw,
              (SELECT uniqExact(stream_seq) FROM ${t.config.clickhouse.database}.device_metrics) AS seqs,
              (SELECT sum(samples) FROM ${t.config.clickhouse.database}.device_metrics_daily_v) AS samples`,
    );
    expect(stored).toEqual({ raw: 40, seqs: 20, samples: 40 });
  });
});
