import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { simulate } from '../../src/simulate/publish.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';

const T0 = Date.parse('2026-11-23T08:00:00Z');

describe('the CLI as a user runs it', () => {
  let t: SiftTestEnv;

  beforeAll(async () => {
    t = await siftTestEnv();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('worker --until-idle drains what was published, and query shows the filtered rows', async () => {
    // One device: first contact, 3 % (dropped), 6 % (change), epoch-ms timestamps, then a snapshot 300 s on.
    const values = [
      [0, 50],
      [60, 51.5],
      [120, 53],
      [420, 53],
    ] as const;
    for (const [s, v] of values) await t.publish('telemetry.metrics.boiler-3', { ts: T0 + s * 1000, metrics: { temp: v } });
    await t.publish('telemetry.metrics.boiler-3', '{"broken":');

    const drained = await siftOk(['worker', '--until-idle'], t.env);
    expect(drained).toContain('received 5, stored 3 messages (3 rows), filtered out 1, dead-lettered 1');

    const out = await siftOk(
      ['query', 'SELECT toUnixTimestamp64Milli(ts) AS ms, value, reason FROM device_metrics ORDER BY ts', '--format', 'CSV'],
      t.env,
    );
    expect(out.trim().split('\n')).toEqual([`${T0},50,"first_contact"`, `${T0 + 120_000},53,"change"`, `${T0 + 420_000},53,"snapshot"`]);

    const hourly = await siftOk(['query', 'SELECT sum(samples) FROM device_metrics_hourly_v', '--format', 'TSV'], t.env);
    expect(hourly.trim()).toBe('4');
  });

  it('running again with nothing new exits at once and stores nothing more', async () => {
    const again = await siftOk(['worker', '--until-idle'], t.env);
    expect(again).toContain('received 0,');
    const out = await siftOk(['query', 'SELECT count() FROM device_metrics', '--format', 'TSV'], t.env);
    expect(out.trim()).toBe('3');
  });

  it('provision and migrate are idempotent commands', async () => {
    expect(await siftOk(['provision'], t.env)).toMatch(/unchanged 6 existing item\(s\)/);
    expect(await siftOk(['migrate'], t.env)).toContain('nothing to apply');
  });

  it('stops at start-up with one line naming a bad setting', async () => {
    const result = await sift(['worker'], { ...t.env, PARTITIONS: 'many' }).done;
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('sift: invalid configuration: nats.partitions (PARTITIONS) = "many": must be a whole number ≥ 1');
  });

  it('reports a conflicting stream instead of changing it', async () => {
    const result = await sift(['provision'], { ...t.env, PARTITIONS: '8' }).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /stream TELEMETRY exists with a different configuration \(subject_transform: .*partition\(4,2\).*partition\(8,2\)/,
    );
  });

  it('drains on SIGTERM: exits 0, stores what it received, and the next worker stores the rest exactly once', async () => {
    await simulate(t.config, { devices: 20, count: 20_000, rate: 0, seed: 9, intervalS: 10, startMs: Date.parse('2026-11-04T00:00:00Z') });
    const jsm = await jetstreamManager(t.nc);
    const pending = async () => {
      let unacked = 0;
      let waiting = 0;
      for (let p = 0; p < t.config.nats.partitions; p++) {
        const info = await jsm.consumers.info(t.config.nats.stream, consumerName('sift', p));
        unacked += info.num_ack_pending;
        waiting += info.num_pending;
      }
      return { unacked, waiting };
    };
    // Small pulls, so it is stopped mid-stream with messages still on the wire.
    const worker = sift(['worker'], { ...t.env, BATCH_MAX_ROWS: '1000', CONSUMER_READ_AHEAD_MESSAGES: '400' });
    while ((await pending()).waiting === 20_000) await new Promise((r) => setTimeout(r, 10));
    worker.child.kill('SIGTERM');
    const result = await worker.done;
    expect(result.code).toBe(0);
    const received = Number(/received (\d+)/.exec(result.stdout)![1]);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(20_000);
    // Every value it received reached the rollup (each message has 5 metrics), and no more.
    const counted = () =>
      siftOk(
        ['query', "SELECT sum(samples) FROM device_metrics_hourly_v WHERE toDate(bucket) = '2026-11-04'", '--format', 'TSV'],
        t.env,
      ).then(Number);
    expect(await counted()).toBe(received * 5);
    // Messages still on the wire when it stopped pulling come back to the next owner at once.
    await siftOk(['worker', '--until-idle'], t.env);
    expect(await counted()).toBe(20_000 * 5);
    expect(await pending()).toEqual({ unacked: 0, waiting: 0 });
  });
});
