import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';
import { simulate } from '../../src/cli/simulate.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';

/**
 * Kill -9 a worker in the middle of a backlog, start another: nothing may be lost. The filter is
 * set to store every message (each reading changes its byte counter by far more than the
 * threshold), so "nothing lost" reads exactly as "every stream sequence has its rows".
 */
describe('a worker killed mid-stream', () => {
  let t: SiftTestEnv;
  const messages = 30_000;

  beforeAll(async () => {
    t = await siftTestEnv({ FILTER_CHANGE_THRESHOLD: '0.000001', BATCH_MAX_ROWS: '2000', PARTITIONS: '4' });
    await simulate(t.config, { devices: 50, count: messages, rate: 0, seed: 3, intervalS: 10, startMs: Date.parse('2026-11-01T00:00:00Z') });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('loses nothing when a second worker takes over', async () => {
    const jsm = await jetstreamManager(t.nc);
    const acked = async () => {
      let floor = 0;
      for (let p = 0; p < t.config.nats.partitions; p++) {
        floor += (await jsm.consumers.info(t.config.nats.stream, consumerName('sift', p))).ack_floor.consumer_seq;
      }
      return floor;
    };
    const first = sift(['worker'], { ...t.env, LOG_LEVEL: 'info' });
    for (let waited = 0; (await acked()) === 0; waited += 20) {
      if (waited > 60_000) throw new Error('the first worker never acked a batch');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    console.log('FIRST', killed.stderr.split('\n').filter((l) => !/worker started|partitions assigned|provisioned|migrated/.test(l)).slice(0, 30).join('\n'));
    expect(killed.signal).toBe('SIGKILL');
    const ackedAtKill = await acked();
    expect(ackedAtKill).toBeGreaterThan(0);
    expect(ackedAtKill).toBeLessThan(messages);

    const second = await import('../helpers/cli.js').then((m) => m.sift(['worker', '--until-idle'], { ...t.env, LOG_LEVEL: 'info' }).done); console.log('SECOND', second.stderr.split('\n').filter((l) => /finished|rewound|journal|took|skip|missing/.test(l)).join('\n'));

    const count = (sql: string) => siftOk(['query', sql, '--format', 'TSV'], t.env).then((s) => Number(s.trim()));
    const missing = await siftOk(['query', `SELECT groupArray(n) FROM (SELECT number + 1 AS n FROM numbers(${messages}) WHERE n NOT IN (SELECT stream_seq FROM device_metrics))`, '--format', 'TSV'], t.env);
    console.log('MISSING', missing);
    if (missing.trim() !== '[]') {
      const { Kvm } = await import('@nats-io/kv');
      const kv = await new Kvm(t.nc).open('sift-journal');
      for (let p = 0; p < 4; p++) console.log('JOURNAL', p, (await kv.get(`p00${p}`))?.string());
      const seq = JSON.parse(missing.trim())[0];
      const m = await jsm.streams.getMessage(t.config.nats.stream, { seq });
      console.log('MSG', m?.subject, seq);
      console.log('ROWS-NEAR', await siftOk(['query', `SELECT stream_seq, device_id FROM device_metrics WHERE stream_seq BETWEEN ${seq - 30} AND ${seq + 30} AND device_id = '${m?.subject.split('.')[3]}' GROUP BY stream_seq, device_id ORDER BY stream_seq`, '--format', 'TSV'], t.env));
    }
    const dl = await jsm.streams.info(t.config.nats.dlqStream);
    console.log('DLQ', dl.state.messages);
    expect(await count('SELECT uniqExact(stream_seq) FROM device_metrics')).toBe(messages);
    // A batch stored but not yet acked when the worker died is stored again on redelivery
    // unless its retry carries the same deduplication token; never less than once.
    expect(await count('SELECT count() FROM device_metrics')).toBeGreaterThanOrEqual(messages * 5);
    expect(await count('SELECT sum(samples) FROM device_metrics_hourly_v')).toBeGreaterThanOrEqual(messages * 5);
    for (let p = 0; p < t.config.nats.partitions; p++) {
      const info = await jsm.consumers.info(t.config.nats.stream, consumerName('sift', p));
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    }
  });
});
