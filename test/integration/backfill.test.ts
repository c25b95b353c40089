import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';
import { simulate } from '../../src/simulate/publish.js';

const T0 = Date.parse('2026-11-23T08:00:00Z');
const RAW =
  'SELECT toUnixTimestamp64Milli(ts) AS ms, device_id, metric, value, reason, stream_seq, partition, trigger FROM device_metrics ORDER BY stream_seq, metric FORMAT JSONEachRow';
const HOURLY =
  'SELECT bucket, device_id, metric, samples, min, max, round(avg, 9) AS avg, last FROM device_metrics_hourly_v ORDER BY bucket, device_id, metric FORMAT JSONEachRow';
const API = 'SELECT * EXCEPT inserted_at FROM api_requests ORDER BY stream_seq FORMAT JSONEachRow';

describe('sift backfill', () => {
  let t: SiftTestEnv;
  const db = (name: string) => ({ ...t.env, CLICKHOUSE_DATABASE: `${t.env.CLICKHOUSE_DATABASE}_${name}` });
  const query = async (sql: string, env: NodeJS.ProcessEnv) =>
    (await siftOk(['query', sql, '--format', 'JSONEachRow'], env)).trim().split('\n').filter(Boolean);
  let published = 0;

  beforeAll(async () => {
    t = await siftTestEnv({ BATCH_MAX_ROWS: '100' });
    // Metrics and api events of a small fleet over three hours of event time, plus input that is dead-lettered.
    published += await simulate(t.config, { devices: 12, count: 600, rate: 0, seed: 3, intervalS: 30, startMs: T0 });
    published += await simulate(t.config, { devices: 5, count: 150, rate: 0, seed: 4, intervalS: 30, startMs: T0, kinds: ['api'] });
    await t.publish('telemetry.metrics.dev-00001', '{"broken":');
    await t.publish('telemetry.doorbell.dev-00002', '{"rang": true}');
    published += 2;
    // Database A: drained by a worker, as live.
    expect(await siftOk(['worker', '--until-idle'], t.env)).toContain(`received ${published},`);
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
  });

  it('re-reads the whole stream into a fresh database: the same raw rows and rollups as the live worker stored', async () => {
    const out = await siftOk(['backfill', '--from', '1'], db('b'));
    expect(out).toContain(`backfilled sequences 1-${published} into ${db('b').CLICKHOUSE_DATABASE}`);
    expect(out).toMatch(
      new RegExp(
        `received ${published}, stored \\d+ messages \\(\\d+ rows\\), filtered out \\d+, dead-lettered 2 \\((not_json 1, unknown_kind 1|unknown_kind 1, not_json 1)\\)`,
      ),
    );
    const rawA = await query(RAW, t.env);
    expect(rawA.length).toBeGreaterThan(12);
    // Whole mode: a change row marks only the metrics that moved as its trigger.
    const changes = rawA.map((line) => JSON.parse(line) as { reason: string; trigger: boolean }).filter((r) => r.reason === 'change');
    expect(changes.some((r) => r.trigger) && changes.some((r) => !r.trigger)).toBe(true);
    expect(await query(RAW, db('b'))).toEqual(rawA);
    const hourlyA = await query(HOURLY, t.env);
    expect(hourlyA.length).toBeGreaterThan(12);
    expect(await query(HOURLY, db('b'))).toEqual(hourlyA);
    expect(await query(API, db('b'))).toEqual(await query(API, t.env));
  }, 120_000);

  it('refuses a second backfill of that range into the same database, in one line', async () => {
    const again = await sift(['backfill', '--from', '1'], db('b')).done;
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/already holds rows of sequences 1-\d+ in device_metrics \(\d+ rows\).*pass --force/);
  }, 60_000);

  it('with --force, a repeat of the same backfill is a no-op: its batches carry the same tokens', async () => {
    const before = { raw: await query(RAW, db('b')), hourly: await query(HOURLY, db('b')) };
    await siftOk(['backfill', '--from', '1', '--force'], db('b'));
    expect(await query(RAW, db('b'))).toEqual(before.raw);
    expect(await query(HOURLY, db('b'))).toEqual(before.hourly);
    // The live consumers saw nothing of the backfills: a worker finds nothing to do.
    expect(await siftOk(['worker', '--until-idle'], t.env)).toContain('received 0,');
  }, 60_000);

  it('a part of the stream, by arrival time and sequence, of one kind: rows only of that range, each device starting afresh', async () => {
    const from = 200;
    const until = 400;
    const out = await siftOk(['backfill', '--from', String(from), '--until', String(until), '--kinds', 'metrics'], db('c'));
    expect(out).toContain(`backfilled sequences ${from}-${until}`);
    const rows = (await query(RAW, db('c'))).map((line) => JSON.parse(line) as { device_id: string; reason: string; stream_seq: number });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.stream_seq).toBeGreaterThanOrEqual(from), expect(row.stream_seq).toBeLessThanOrEqual(until);
    const firstOf = new Map<string, string>();
    for (const row of rows) if (!firstOf.has(row.device_id)) firstOf.set(row.device_id, row.reason);
    expect([...firstOf.values()].every((reason) => reason === 'first_contact')).toBe(true);
    expect(await query('SELECT count() AS n FROM api_requests FORMAT JSONEachRow', db('c'))).toEqual(['{"n":0}']);
    // A time range: everything arrived within a few seconds, so a range from an hour ago covers the whole stream.
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const timed = await siftOk(['backfill', '--from', since, '--kinds', 'api'], db('d'));
    expect(timed).toContain(`backfilled sequences 1-${published}`);
    expect(await query(API, db('d'))).toEqual(await query(API, t.env));
  }, 120_000);

  it('says what is wrong with a bad range or kind before connecting', async () => {
    const bad = await sift(['backfill', '--from', 'yesterday-ish'], t.env).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('neither a stream sequence nor a date-time');
    const kind = await sift(['backfill', '--from', '1', '--kinds', 'metrics,doorbell'], t.env).done;
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('unknown kind(s) doorbell');
  });
});
