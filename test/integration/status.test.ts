import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { siftOk } from '../helpers/cli.js';

const T0 = Date.parse('2026-11-24T08:00:00Z');

describe('sift status', () => {
  let t: SiftTestEnv;
  let worker: Worker;

  beforeAll(async () => {
    t = await siftTestEnv();
    worker = await Worker.start(t.config, testLogger);
    for (let i = 0; i < 40; i++) await t.publish(`telemetry.metrics.dev-${i}`, { ts: T0, metrics: { temperature: i } });
    await t.publish('telemetry.metrics.dev-1', 'broken');
    await t.publish('telemetry.metrics.dev-2', 'broken too');
    await t.publish('telemetry.doorbell.dev-3', '{}');
    await worker.untilIdle();
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('shows owners, pins, backlog, last acks and dead letters while a worker runs, without opening its embedded ClickHouse', async () => {
    const text = await siftOk(['status'], t.env);
    expect(text).toContain('stream TELEMETRY: 43 messages');
    expect(text).toContain(`live workers (1): ${worker.id}`);
    const rows = text
      .split('\n')
      .filter((l) => /^\d+\s+sift-p\d{3}/.test(l))
      .map((l) => l.split(/\s{2,}/));
    expect(rows).toHaveLength(4);
    for (const [partition, consumer, owner, pin, pending, ackPending, last] of rows) {
      expect(consumer).toBe(`sift-p00${partition}`);
      expect(owner).toBe(worker.id);
      expect(pin).toMatch(/^\S+ since \d{4}-/);
      expect([pending, ackPending]).toEqual(['0', '0']);
      expect(Date.parse(last!)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(text).toContain('dead letters in TELEMETRY_DLQ: 3 — not_json 2, unknown_kind 1');
    expect(text).toContain('migration embedded ClickHouse: not read while a worker may hold it');
  });

  it('reads the migration version with --clickhouse once no worker holds the directory', async () => {
    await worker.stop();
    const text = await siftOk(['status', '--clickhouse'], t.env);
    expect(text).toMatch(/database sift_test_\w+: migration [\w-]+\/\d{4}_[\w-]+ \(applied \d{4}-\d\d-\d\d/);
    expect(text).toContain('live workers (0): none');
    expect(text).toMatch(/^0\s+sift-p000\s+-\s+none\s+0\s+0\s+\d{4}-/m);
  });
});
