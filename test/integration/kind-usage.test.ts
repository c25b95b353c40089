import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';
import { deadLetterReasons } from '../helpers/dead-letter-reasons.js';
import { insertSettings } from '../../src/sinks/clickhouse/insert-settings.js';
import { USAGE_EVENTS } from '../../src/kinds/usage/rows.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Usage {
  app: string;
  ts: number;
  event: string;
  feature?: string;
  user_id?: string;
}

describe('usage kind: usage_events and usage_hourly_v', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let db: string;
  const now = Date.now();
  const sent: Usage[] = [];
  const bad = new Map<number, string>();

  beforeAll(async () => {
    t = await siftTestEnv({ RETENTION_DAYS: '90', EVENT_TIME_MAX_PAST_S: String(90 * 86_400) });
    db = t.config.clickhouse.database;
    const send = async (u: Usage, extra: Record<string, unknown> = {}) => {
      const { app, ts, ...body } = u;
      await t.publish(`telemetry.usage.${app}`, { ts, ...body, ...extra });
      sent.push(u);
    };
    await send(
      { app: 'shop', ts: now - HOUR, event: 'export_started', feature: 'export', user_id: 'u-1' },
      { instance_id: 'web-1', properties: { format: 'csv', rows: 1200, nested: { a: true } } },
    );
    for (const [body, reason] of [
      [{ feature: 'export' }, 'schema'],
      [{ event: 'x', user: 'u-1' }, 'schema'],
      [{ event: 'x', properties: 'csv' }, 'schema'],
      [{ event: 'x', properties: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) }, 'schema'],
      [{ event: 'x', ts: now + 3 * DAY }, 'ts_out_of_range'],
      ['{"event": "\\udc00"}', 'schema'],
    ] as Array<[unknown, string]>)
      bad.set(await t.publish('telemetry.usage.shop', body), reason);

    // Seeded usage over the last 9 days: three apps, a long tail of features, some anonymous events.
    const random = seededRandom(21);
    const features: Array<[string, string[]]> = [
      ['search', ['search_run', 'filter_applied']],
      ['export', ['export_started']],
      ['sharing', ['link_shared']],
      ['', ['app_opened']],
    ];
    for (let i = 0; i < 400; i++) {
      const [feature, events] = features[Math.floor(random() * random() * features.length)]!;
      let ts = now - Math.floor(random() * 9 * DAY);
      // Away from the guide query's 7-day edge, which moves with the wall clock while the test runs.
      if (Math.abs(ts - (now - 7 * DAY)) < HOUR) ts += 2 * HOUR;
      const u: Usage = { app: ['shop', 'crm', 'wiki'][i % 3]!, ts, event: events[Math.floor(random() * events.length)]! };
      if (feature) u.feature = feature;
      if (random() < 0.85) u.user_id = `u-${Math.floor(random() * 25)}`;
      await send(u);
    }
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('stores every event with its properties as strings, and dead-letters bad bodies with their reasons', async () => {
    const [first] = await rows(
      worker.clickhouse,
      `SELECT event, feature, user_id, instance_id, properties FROM ${db}.usage_events WHERE stream_seq = 1`,
    );
    expect(first).toEqual({
      event: 'export_started',
      feature: 'export',
      user_id: 'u-1',
      instance_id: 'web-1',
      properties: { format: 'csv', rows: '1200', nested: '{"a":true}' },
    });
    const [{ n }] = (await rows<{ n: number }>(worker.clickhouse, `SELECT count() AS n FROM ${db}.usage_events`)) as [{ n: number }];
    expect(n).toBe(sent.length);
    const letters = await deadLetterReasons(t);
    expect(new Map([...letters].map(([seq, l]) => [seq, l.reason]))).toEqual(bad);
    expect([...letters.values()].map((l) => l.detail)).toEqual(
      expect.arrayContaining([expect.stringContaining('/: unexpected property "user"')]),
    );
  });

  it('usage_hourly_v equals the events counted per hour, app, event and feature (events and distinct users exact)', async () => {
    const groups = new Map<string, { bucket: number; app: string; event: string; feature: string; events: number; users: Set<string> }>();
    for (const u of sent) {
      const bucket = u.ts - (u.ts % HOUR);
      const key = [bucket, u.app, u.event, u.feature ?? ''].join('|');
      const g = groups.get(key) ?? { bucket, app: u.app, event: u.event, feature: u.feature ?? '', events: 0, users: new Set<string>() };
      g.events++;
      if (u.user_id) g.users.add(u.user_id);
      groups.set(key, g);
    }
    const expected = [...groups.values()]
      .map((g) => ({ bucket: g.bucket / 1000, app: g.app, event: g.event, feature: g.feature, events: g.events, users: g.users.size }))
      .sort(
        (a, b) => a.bucket - b.bucket || a.app.localeCompare(b.app) || a.event.localeCompare(b.event) || a.feature.localeCompare(b.feature),
      );
    const got = await rows<{ bucket: number }>(
      worker.clickhouse,
      `
      SELECT toUnixTimestamp(bucket) AS bucket, app, event, feature, events, users FROM ${db}.usage_hourly_v
      ORDER BY bucket, app, event, feature`,
    );
    expect(got).toEqual(expected);
  });

  it('guide feature_usage_7d: events and distinct users per feature of an app over the last 7 days', async () => {
    const since = now - 7 * DAY;
    for (const app of ['shop', 'crm']) {
      const byFeature = new Map<string, { events: number; users: Set<string> }>();
      for (const u of sent.filter((s) => s.app === app && s.ts >= since)) {
        const f = byFeature.get(u.feature ?? '') ?? { events: 0, users: new Set<string>() };
        f.events++;
        if (u.user_id) f.users.add(u.user_id);
        byFeature.set(u.feature ?? '', f);
      }
      const expected = [...byFeature]
        .map(([feature, f]) => ({ feature, events: f.events, users: f.users.size }))
        .sort((a, b) => b.users - a.users || b.events - a.events || a.feature.localeCompare(b.feature));
      const got = await analystRows(worker.clickhouse, db, guideQuery('feature_usage_7d'), { app });
      expect(got).toEqual(expected);
    }
  });
  it('counts a retried batch once in usage_hourly_v (the same insert token twice, as a retry sends it)', async () => {
    const bucket = Math.floor((now - 20 * DAY) / HOUR) * HOUR;
    const batch = [
      [bucket + 1000, 'retry-app', 'e', 'f', 'u-1', '', {}, 900_001],
      [bucket + 2000, 'retry-app', 'e', 'f', 'u-2', '', {}, 900_002],
    ];
    for (let attempt = 0; attempt < 2; attempt++) {
      await worker.clickhouse.insert({
        table: `${db}.usage_events`,
        columns: [...USAGE_EVENTS.columns] as [string, ...string[]],
        values: batch,
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings('TELEMETRY:0:900001-900002'),
      });
    }
    const got = await rows(worker.clickhouse, `SELECT events, users FROM ${db}.usage_hourly_v WHERE app = 'retry-app'`);
    expect(got).toEqual([{ events: 2, users: 2 }]);
  });
});
