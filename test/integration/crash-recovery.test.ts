import { afterEach, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';
import { simulate } from '../../src/simulate/publish.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';

/**
 * Kill -9 a worker in the middle of a backlog, start another: nothing may be lost or stored twice. The filter is
 * set to store every message (each reading changes its byte counter by far more than the
 * threshold), so "nothing lost" reads exactly as "every stream sequence has its rows".
 */
describe('a worker killed mid-stream', () => {
  let t: SiftTestEnv | undefined;
  const messages = 30_000;

  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  // In about 1 run of 8 one message of the 30,000 used to be missing after the takeover: a previous
  // owner's unacked messages came back one ack_wait timer at a time, interleaved with new ones, and
  // one below the newest taken was taken for a batched one. A takeover that opens with a redelivery
  // now rewinds (14 of 14 runs passed since).
  it('loses nothing when a second worker takes over', async () => {
    const env = await siftTestEnv({ FILTER_CHANGE_THRESHOLD: '0.000001', BATCH_MAX_ROWS: '2000', PARTITIONS: '4' });
    t = env;
    await simulate(env.config, {
      devices: 50,
      count: messages,
      rate: 0,
      seed: 3,
      intervalS: 10,
      startMs: Date.parse('2026-11-01T00:00:00Z'),
    });
    const jsm = await jetstreamManager(env.nc);
    const acked = async () => {
      let floor = 0;
      for (let p = 0; p < env.config.nats.partitions; p++) {
        floor += (await jsm.consumers.info(env.config.nats.stream, consumerName('sift', p))).ack_floor.consumer_seq;
      }
      return floor;
    };
    const first = sift(['worker'], env.env);
    for (let waited = 0; (await acked()) === 0; waited += 20) {
      if (waited > 60_000) throw new Error('the first worker never acked a batch');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const ackedAtKill = await acked();
    expect(ackedAtKill).toBeGreaterThan(0);
    expect(ackedAtKill).toBeLessThan(messages);

    await siftOk(['worker', '--until-idle'], env.env);

    const count = (sql: string) => siftOk(['query', sql, '--format', 'TSV'], env.env).then((s) => Number(s.trim()));
    expect(await count('SELECT uniqExact(stream_seq) FROM device_metrics')).toBe(messages);
    // Never less than once. Exactly once is the journal's job (a batch stored but not acked is acked
    // by the next worker without being stored again; a commit left in flight is re-formed under its
    // token): `sift chaos` and test/integration/chaos.test.ts check it. This test kills the worker at
    // its very first ack, where the single-server deduplication window docs/architecture.md describes is widest.
    expect(await count('SELECT count() FROM device_metrics')).toBeGreaterThanOrEqual(messages * 5);
    expect(await count('SELECT sum(samples) FROM device_metrics_hourly_v')).toBeGreaterThanOrEqual(messages * 5);
    for (let p = 0; p < env.config.nats.partitions; p++) {
      const info = await jsm.consumers.info(env.config.nats.stream, consumerName('sift', p));
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    }
  });
});
