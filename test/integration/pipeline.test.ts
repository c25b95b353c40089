import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

describe('device metrics end to end: JetStream → filter → ClickHouse', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  /** The partition the stream transform chose for a key, read back from a stored subject. */
  let partitions: Map<string, number> | undefined;

  beforeAll(async () => {
    t = await siftTestEnv();
    // Two devices; each line is one message, seconds after T0.
    const scenario: Array<[string, number, Record<string, number>]> = [
      ['pump-1', 0, { temp: 20, rpm: 1000 }], // first_contact
      ['pump-1', 10, { temp: 20.5, rpm: 1010 }], // < 5%: filtered
      ['pump-1', 20, { temp: 21, rpm: 1020 }], // temp +5% of 20 → change
      ['pump-1', 30, { temp: 21, rpm: 1020 }], // filtered
      ['pump-1', 330, { temp: 21, rpm: 1020 }], // 310 s after last stored → snapshot
      ['fan-7', 0, { speed: 0 }], // first_contact
      ['fan-7', 5, { speed: 0.5 }], // |new| ≤ 1 from zero: filtered
      ['fan-7', 6, { speed: 3 }], // change
    ];
    for (const [device, s, metrics] of scenario) {
      await t.publish(`telemetry.metrics.${device}`, { ts: at(s), metrics, labels: { site: 'north' } });
    }
    // Bad input between the good messages.
    await t.publish('telemetry.metrics.pump-1', 'not json {');
    await t.publish('telemetry.metrics.pump-1', { ts: at(40), metrics: { temp: 'hot' } });
    await t.publish('telemetry.metrics.pump-1', '{"metrics": {"temp": 1e999}}');
    await t.publish('telemetry.metrics.pump-1', { device_id: 'pump-2', metrics: { temp: 1 } });
    await t.publish('telemetry.gizmos.pump-1', { metrics: { temp: 1 } });
    await t.publish('telemetry.metrics.pump-1', { metrics: { temp: 1 }, padding: 'x'.repeat(70_000) });
    // A message without ts takes its JetStream arrival time.
    await t.publish('telemetry.metrics.clock-1', { metrics: { v: 1 } });

    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
    const jsm = await jetstreamManager(t.nc);
    partitions = new Map();
    const msg = (await jsm.streams.getMessage(t.config.nats.stream, { seq: 1 }))!;
    partitions.set('pump-1', Number(msg.subject.split('.')[2]));
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('stores exactly the rows the filter rules imply', async () => {
    const stored = await rows<{ s: number; device_id: string; metric: string; value: number; reason: string }>(
      worker.clickhouse,
      `SELECT (toUnixTimestamp64Milli(ts) - ${T0}) / 1000 AS s, device_id, metric, value, reason
       FROM ${t.config.clickhouse.database}.device_metrics WHERE device_id != 'clock-1' ORDER BY device_id, s, metric`,
    );
    expect(stored.map((r) => `${r.device_id}@${r.s} ${r.metric}=${r.value} ${r.reason}`)).toEqual([
      'fan-7@0 speed=0 first_contact',
      'fan-7@6 speed=3 change',
      'pump-1@0 rpm=1000 first_contact',
      'pump-1@0 temp=20 first_contact',
      'pump-1@20 rpm=1020 change',
      'pump-1@20 temp=21 change',
      'pump-1@330 rpm=1020 snapshot',
      'pump-1@330 temp=21 snapshot',
    ]);
  });

  it('keeps labels and traces rows to their stream sequence', async () => {
    const [row] = await rows<{ site: string; seq: number }>(
      worker.clickhouse,
      `SELECT labels['site'] AS site, stream_seq AS seq FROM ${t.config.clickhouse.database}.device_metrics WHERE device_id = 'pump-1' AND reason = 'first_contact' LIMIT 1`,
    );
    expect(row).toEqual({ site: 'north', seq: 1 });
  });

  it('uses the JetStream arrival time when ts is absent', async () => {
    const [row] = await rows<{ age: number }>(
      worker.clickhouse,
      `SELECT dateDiff('second', ts, now64(3)) AS age FROM ${t.config.clickhouse.database}.device_metrics WHERE device_id = 'clock-1'`,
    );
    expect(row!.age).toBeGreaterThanOrEqual(0);
    expect(row!.age).toBeLessThan(120);
  });

  it('counts every received value in the hourly and daily rollups', async () => {
    const db = t.config.clickhouse.database;
    const hourly = await rows<{ device_id: string; metric: string; samples: number; min: number; max: number; avg: number; last: number }>(
      worker.clickhouse,
      `SELECT device_id, metric, samples, min, max, avg, last FROM ${db}.device_metrics_hourly_v WHERE device_id != 'clock-1' ORDER BY device_id, metric`,
    );
    expect(hourly).toEqual([
      { device_id: 'fan-7', metric: 'speed', samples: 3, min: 0, max: 3, avg: 3.5 / 3, last: 3 },
      { device_id: 'pump-1', metric: 'rpm', samples: 5, min: 1000, max: 1020, avg: 5070 / 5, last: 1020 },
      { device_id: 'pump-1', metric: 'temp', samples: 5, min: 20, max: 21, avg: 103.5 / 5, last: 21 },
    ]);
    const [total] = await rows<{ n: number }>(worker.clickhouse, `SELECT sum(samples) AS n FROM ${db}.device_metrics_hourly_v`);
    expect(total!.n).toBe(3 + 5 * 2 + 1);
    const [daily] = await rows<{ n: number }>(worker.clickhouse, `SELECT sum(samples) AS n FROM ${db}.device_metrics_daily_v`);
    expect(daily!.n).toBe(total!.n);
  });

  it('dead-letters bad input with its reason and original subject and sequence', async () => {
    const jsm = await jetstreamManager(t.nc);
    const info = await jsm.streams.info(t.config.nats.dlqStream);
    expect(info.state.messages).toBe(6);
    const reasons: string[] = [];
    for (let seq = 1; seq <= 6; seq++) {
      const msg = (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
      const h = msg.header!;
      reasons.push(`${msg.subject} ${h.get(DEAD_LETTER_HEADERS.reason)} ${h.get(DEAD_LETTER_HEADERS.subject)}`);
      expect(Number(h.get(DEAD_LETTER_HEADERS.sequence))).toBeGreaterThan(8);
      expect(h.get(DEAD_LETTER_HEADERS.detail)).not.toBe('');
    }
    expect(reasons.sort()).toEqual(
      [
        'telemetry-dlq.gizmos unknown_kind telemetry.gizmos.1.pump-1',
        'telemetry-dlq.metrics device_mismatch telemetry.metrics.1.pump-1',
        'telemetry-dlq.metrics non_finite telemetry.metrics.1.pump-1',
        'telemetry-dlq.metrics not_json telemetry.metrics.1.pump-1',
        'telemetry-dlq.metrics oversize telemetry.metrics.1.pump-1',
        'telemetry-dlq.metrics schema telemetry.metrics.1.pump-1',
      ].map((line) => line.replaceAll('.1.pump-1', `.${partitionOf('pump-1')}.pump-1`)),
    );
    expect(worker.stats.deadLettered).toBe(6);
  });

  it('acks everything: nothing pending on any partition', async () => {
    const jsm = await jetstreamManager(t.nc);
    for (let p = 0; p < t.config.nats.partitions; p++) {
      const info = await jsm.consumers.info(t.config.nats.stream, `sift-p${String(p).padStart(3, '0')}`);
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    }
    expect(worker.stats.acked).toBe(worker.stats.received);
  });

  function partitionOf(key: string): number {
    return partitions!.get(key)!;
  }
});
