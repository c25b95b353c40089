import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';

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
    const values = [[0, 50], [60, 51.5], [120, 53], [420, 53]] as const;
    for (const [s, v] of values) await t.publish('telemetry.metrics.boiler-3', { ts: T0 + s * 1000, metrics: { temp: v } });
    await t.publish('telemetry.metrics.boiler-3', '{"broken":');

    const drained = await siftOk(['worker', '--until-idle'], t.env);
    expect(drained).toContain('received 5, stored 3 messages (3 rows), filtered out 1, dead-lettered 1');

    const out = await siftOk(['query', "SELECT toUnixTimestamp64Milli(ts) AS ms, value, reason FROM device_metrics ORDER BY ts", '--format', 'CSV'], t.env);
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
    expect(result.stderr).toMatch(/stream TELEMETRY exists with a different configuration \(subject_transform: .*partition\(4,2\).*partition\(8,2\)/);
  });
});
