import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Worker } from '../../src/worker/worker.js';
import { CommitJournal } from '../../src/commit/journal/commit-journal.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { simulate } from '../../src/simulate/publish.js';
import { decodeEntry, journalKey } from '../../src/commit/journal/entry.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { faultyInserts } from '../helpers/faulty-clickhouse.js';
import { rows } from '../helpers/clickhouse.js';
import { until } from '../helpers/until.js';

/**
 * A commit keeps failing (ClickHouse away) while another worker takes the journal entry of one of
 * its partitions: the retry finds the partition lost and gives the whole commit up as fenced. When
 * the server still hands this worker the partitions' messages (the pin did not move, or it kept the
 * commit's other partitions), they must go on: each is taken again, and the takeover finishes the
 * commit left in flight. A fenced committer used to commit nothing more, for good.
 */
describe('a commit fenced while its worker still gets the messages', () => {
  let t: SiftTestEnv;
  let clickhouse: ClickHouseClient;
  let worker: Worker | undefined;
  let broken = false;

  beforeAll(async () => {
    t = await siftTestEnv({
      PARTITIONS: '2',
      FILTER_CHANGE_THRESHOLD: '0.000001',
      INSERT_RETRY_INITIAL_MS: '100',
      INSERT_RETRY_MAX_MS: '300',
    });
    clickhouse = await createClickHouse(t.config.clickhouse);
  });
  afterAll(async () => {
    broken = false;
    await worker?.stop();
    await clickhouse?.close();
    await t?.dispose();
  });

  it('takes the partitions again, stores every message once and acks them all', async () => {
    const kv = await new Kvm(t.nc).open('sift-journal');
    const entryOf = async (p: number) => decodeEntry((await kv.get(journalKey(p)))?.string() || '{}');
    worker = await Worker.start(t.config, testLogger, { clickhouse, wrapClickHouse: (c) => faultyInserts(c, () => broken) });
    broken = true;
    await simulate(t.config, { devices: 20, count: 200, rate: 0, seed: 7, intervalS: 10, startMs: Date.parse('2026-11-04T00:00:00Z') });
    let lost = -1;
    await until(async () => {
      for (const p of [0, 1]) if ((await entryOf(p)).inflight) lost = p;
      return lost >= 0;
    }, 'a commit is in flight');

    // Another worker takes one partition of the commit in the journal, then does nothing with it.
    const created = (await (await jetstreamManager(t.nc)).consumers.info(t.config.nats.stream, consumerName('sift', lost))).created;
    const other = await CommitJournal.open(t.nc, 'sift-journal', 'other', 1, testLogger);
    await other.take(lost, String(created));
    await new Promise((r) => setTimeout(r, 1_000));
    broken = false;

    await simulate(t.config, { devices: 20, count: 200, rate: 0, seed: 8, intervalS: 10, startMs: Date.parse('2026-11-05T00:00:00Z') });
    await Promise.race([
      worker.untilIdle(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('a partition stopped committing')), 30_000)),
    ]);
    expect((await entryOf(lost)).owner).toBe(worker.id);
    const [stored] = await rows<{ seqs: number; raw: number; samples: number }>(
      clickhouse,
      `SELECT (SELECT uniqExact(stream_seq) FROM ${t.config.clickhouse.database}.device_metrics) AS seqs,
              (SELECT count() FROM ${t.config.clickhouse.database}.device_metrics) AS raw,
              (SELECT sum(samples) FROM ${t.config.clickhouse.database}.device_metrics_hourly_v) AS samples`,
    );
    expect(stored).toEqual({ seqs: 400, raw: 2_000, samples: 2_000 });
  }, 90_000);
});
