import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';
import { closeTo, deadLetters, groupBy, hourBucket, startOfHour, withinQuantile } from '../helpers/rollup-checks.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STATUSES = ['success', 'failure', 'timeout', 'cancelled'] as const;

interface SentOutcome {
  seq: number;
  jobType: string;
  ts: number;
  status: (typeof STATUSES)[number];
  duration_ms: number;
  retry_count: number;
}

/** Job types with different reliability: a flaky retrying one, a reliable one, a slow one. */
const TYPES = [
  { name: 'config_sync', success: 0.7, retries: 3, medianMs: 2_000 },
  { name: 'log_rotation', success: 0.99, retries: 0, medianMs: 300 },
  { name: 'nightly_backup', success: 0.9, retries: 1, medianMs: 400_000 },
];

describe('job kind: telemetry.job.<job_type>', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  const now = Date.now();
  const sent: SentOutcome[] = [];
  const bad = new Map<number, string>();
  let roundTripSeq = 0;

  beforeAll(async () => {
    t = await siftTestEnv();
    const random = seededRandom(7);
    for (let i = 0; i < 700; i++) {
      const type = TYPES[Math.floor(random() * TYPES.length)]!;
      const roll = random();
      const status =
        roll < type.success ? 'success' : roll < type.success + (1 - type.success) / 2 ? 'failure' : roll < 0.995 ? 'timeout' : 'cancelled';
      // Within the last 6.5 days, or 8 to 9 days ago (outside the guide's week): no event near its edge.
      const ts = Math.round(now - (random() < 0.85 ? HOUR / 60 + random() * 6.5 * DAY : 8 * DAY + random() * DAY));
      const retry_count = type.retries > 0 && random() < 0.3 ? 1 + Math.floor(random() * type.retries) : 0;
      const body: Record<string, unknown> = {
        ts,
        job_id: `${type.name}-${i}`,
        status,
        duration_ms: Math.round(type.medianMs * (0.5 + random()) * 10) / 10,
      };
      // retry_count is optional: absent means 0.
      if (retry_count > 0 || random() < 0.5) body.retry_count = retry_count;
      if (status !== 'success') body.error_code = 'E_SIM';
      const seq = await t.publish(`telemetry.job.${type.name}`, body);
      sent.push({ seq, jobType: type.name, ts, status, duration_ms: body.duration_ms as number, retry_count });
      const reject = async (reason: string, b: unknown) => bad.set(await t.publish(`telemetry.job.${type.name}`, b), reason);
      if (i === 100) await reject('schema', { job_id: 'x', status: 'done', duration_ms: 1 });
      if (i === 200) await reject('schema', { job_id: 'x', status: 'success' });
      if (i === 300) await reject('schema', { job_id: 'x', status: 'success', duration_ms: 1, retry_count: -1 });
      if (i === 400) await reject('schema', { job_id: 'x', status: 'success', duration_ms: 1, metadata: { note: 'y'.repeat(5000) } });
      if (i === 500) await reject('schema', { job_id: 'x', status: 'success', duration_ms: 1, owner: 'me' });
      if (i === 600) await reject('not_json', 'job done');
    }
    const full = {
      ts: new Date(now - HOUR).toISOString(),
      job_id: 'fw-42',
      status: 'failure',
      duration_ms: 95_000.5,
      device_id: 'dev-00042',
      error_code: 'E_FLASH_WRITE',
      retry_count: 2,
      initiated_by: 'alice',
      metadata: { region: 'eu-west', attempt: 3, dry_run: false },
    };
    roundTripSeq = await t.publish('telemetry.job.firmware_update', full);
    sent.push({ seq: roundTripSeq, jobType: 'firmware_update', ts: now - HOUR, status: 'failure', duration_ms: 95_000.5, retry_count: 2 });

    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  const db = () => t.config.clickhouse.database;

  it('round trip: an outcome becomes one raw row, metadata as text, and counts in the view', async () => {
    const [row] = await rows(worker.clickhouse, `SELECT * EXCEPT inserted_at FROM ${db()}.job_outcomes WHERE stream_seq = ${roundTripSeq}`);
    expect(row).toEqual({
      ts: new Date(now - HOUR).toISOString().replace('T', ' ').replace('Z', ''),
      job_type: 'firmware_update',
      job_id: 'fw-42',
      status: 'failure',
      duration_ms: 95_000.5,
      device_id: 'dev-00042',
      error_code: 'E_FLASH_WRITE',
      retry_count: 2,
      initiated_by: 'alice',
      metadata: { region: 'eu-west', attempt: '3', dry_run: 'false' },
      stream_seq: roundTripSeq,
    });
    const [view] = await rows(
      worker.clickhouse,
      `SELECT jobs, failed, success_rate, retries FROM ${db()}.job_outcomes_hourly_v WHERE job_type = 'firmware_update'`,
    );
    expect(view).toEqual({ jobs: 1, failed: 1, success_rate: 0, retries: 2 });
    const [filtered] = await rows(worker.clickhouse, `SELECT count() AS n FROM ${db()}.job_outcomes WHERE metadata['attempt'] = '3'`);
    expect(filtered).toEqual({ n: 1 });
  });

  it('dead-letters every bad body with its reason and stores every good one around them', async () => {
    const got = await deadLetters(t);
    expect(new Map([...got].map(([seq, d]) => [seq, d.reason]))).toEqual(bad);
    expect([...got.values()].map((d) => d.detail)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('/status'),
        expect.stringContaining('/duration_ms'),
        expect.stringContaining('/retry_count'),
        expect.stringContaining('/metadata/note: value is 5000 characters'),
        expect.stringContaining('unexpected property "owner"'),
      ]),
    );
    const stored = await rows<{ seq: number }>(worker.clickhouse, `SELECT stream_seq AS seq FROM ${db()}.job_outcomes ORDER BY seq`);
    expect(stored.map((r) => r.seq)).toEqual(sent.map((s) => s.seq));
  });

  /** The aggregate measures of a group of outcomes, named as the views name them. */
  const measures = (group: SentOutcome[]) => ({
    jobs: group.length,
    succeeded: group.filter((s) => s.status === 'success').length,
    failed: group.filter((s) => s.status === 'failure').length,
    timed_out: group.filter((s) => s.status === 'timeout').length,
    cancelled: group.filter((s) => s.status === 'cancelled').length,
    retries: group.reduce((sum, s) => sum + s.retry_count, 0),
  });

  function checkRates(row: Record<string, number | string>, group: SentOutcome[]) {
    const durations = group.map((s) => s.duration_ms);
    expect(closeTo(row.success_rate as number, group.filter((s) => s.status === 'success').length / group.length)).toBe(true);
    expect(closeTo(row.duration_avg_ms as number, durations.reduce((a, b) => a + b, 0) / group.length)).toBe(true);
    expect(withinQuantile(durations, 0.95, row.duration_p95_ms as number), `p95 ${row.duration_p95_ms} of ${durations.length}`).toBe(true);
  }

  it('job_outcomes_hourly_v equals the hourly aggregate of the sent outcomes (p95 within 5 % of rank)', async () => {
    const got = await rows<Record<string, number | string>>(
      worker.clickhouse,
      `SELECT * FROM ${db()}.job_outcomes_hourly_v ORDER BY bucket, job_type`,
    );
    const groups = groupBy(sent, (s) => `${hourBucket(s.ts)}|${s.jobType}`);
    expect(got).toHaveLength(groups.size);
    for (const row of got) {
      const group = groups.get(`${row.bucket}|${row.job_type}`);
      expect(group, `row ${JSON.stringify(row)} matches no sent outcome`).toBeDefined();
      expect(row).toMatchObject(measures(group!));
      checkRates(row, group!);
    }
  });

  it('guide job_success_rate_week: success rate per type over the last week, worst first', async () => {
    const week = sent.filter((s) => startOfHour(s.ts) >= startOfHour(Date.now() - 7 * DAY));
    expect(week.length).toBeLessThan(sent.length);
    const expected = [...groupBy(week, (s) => s.jobType)]
      .map(([job_type, group]) => ({ job_type, ...measures(group), success_rate: measures(group).succeeded / group.length }))
      .sort((a, b) => a.success_rate - b.success_rate || a.job_type.localeCompare(b.job_type));
    const got = await analystRows<Record<string, number | string>>(worker.clickhouse, db(), guideQuery('job_success_rate_week'));
    expect(got.map(({ success_rate: _, ...rest }) => rest)).toEqual(expected.map(({ success_rate: _, ...rest }) => rest));
    for (const [i, row] of got.entries()) expect(closeTo(row.success_rate as number, expected[i]!.success_rate)).toBe(true);
  });

  it('guide job_outcome_stats: the parameterized view job_outcome_stats(hours, job_type)', async () => {
    const hours = 48;
    const recent = sent.filter((s) => startOfHour(s.ts) >= startOfHour(Date.now() - hours * HOUR));
    const one = await analystRows<Record<string, number | string>>(worker.clickhouse, db(), guideQuery('job_outcome_stats'), {
      hours,
      job_type: 'config_sync',
    });
    const group = recent.filter((s) => s.jobType === 'config_sync');
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ job_type: 'config_sync', ...measures(group) });
    checkRates(one[0]!, group);
    const all = await analystRows<Record<string, number | string>>(worker.clickhouse, db(), guideQuery('job_outcome_stats'), {
      hours,
      job_type: '',
    });
    expect(all.map((r) => [r.job_type, r.jobs])).toEqual(
      [...groupBy(recent, (s) => s.jobType)].sort(([a], [b]) => a.localeCompare(b)).map(([k, g]) => [k, g.length]),
    );
  });
});
