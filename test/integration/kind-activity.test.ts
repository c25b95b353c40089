import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';
import { insertSettings } from '../../src/sinks/clickhouse/insert-settings.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const APPS = ['shop-ios', 'shop-web']; // in the order the guide's queries sort apps
const TYPES = ['page_view', 'click', 'search', 'interaction'];

/** One published activity, as the test knows it. */
interface Published {
  seq: number;
  app: string;
  session: string;
  user: string;
  type: string;
  ts: number;
}

const isoDay = (dayNumber: number) => new Date(dayNumber * DAY).toISOString().slice(0, 10);
const dayOf = (ts: number) => Math.floor(ts / DAY);

describe('activity kind: user_activity, daily and active users, sessions', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let db: string;
  const now = Date.now();
  const published: Published[] = [];
  const bad = new Map<number, string>();

  beforeAll(async () => {
    t = await siftTestEnv();
    db = t.config.clickhouse.database;
    const random = seededRandom(21);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    // 120 sessions of 30 users over the last 40 days; the last 15 started 5 to 20 minutes ago
    // (active now), the others ended over 40 minutes ago (not active now).
    for (let s = 0; s < 120; s++) {
      const app = pick(APPS);
      const session = `sess-${s}`;
      const user = random() < 0.15 ? '' : `user-${Math.floor(random() * 30)}`;
      const recent = s >= 105;
      let ts = recent ? now - 20 * MINUTE + random() * 15 * MINUTE : now - 40 * MINUTE - random() * 40 * DAY - 10 * MINUTE;
      const events = 1 + Math.floor(random() * 8);
      for (let i = 0; i < events; i++) {
        const type = i === 0 && user ? 'login' : pick(TYPES);
        const body: Record<string, unknown> = { ts: Math.round(ts), session_id: session, activity_type: type, page_url: `/p/${i}` };
        if (user) body.user_id = user;
        if (type === 'search') body.search_query = 'red shoes';
        if (type === 'page_view') body.duration_ms = Math.floor(random() * 9000);
        if (i === 1) body.metadata = { ab: 'b', n: 2 };
        published.push({ seq: await t.publish(`telemetry.activity.${app}`, body), app, session, user, type, ts: Math.round(ts) });
        ts += random() * (recent ? 20_000 : 4 * MINUTE);
      }
      if (s % 30 === 7) {
        bad.set(await t.publish(`telemetry.activity.${app}`, { activity_type: 'click' }), 'schema');
        bad.set(await t.publish(`telemetry.activity.${app}`, { session_id: 'x', activity_type: 'click', referrer: 'y' }), 'schema');
        bad.set(await t.publish(`telemetry.activity.${app}`, { session_id: 'x', activity_type: 'click', duration_ms: -5 }), 'schema');
        bad.set(await t.publish(`telemetry.activity.${app}`, 'not json'), 'not_json');
      }
    }
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  /** Distinct users (signed in) per app and day number, and sessions. */
  function daily(): Map<string, { users: Set<string>; sessions: Set<string> }> {
    const byDay = new Map<string, { users: Set<string>; sessions: Set<string> }>();
    for (const e of published) {
      const key = `${e.app}|${dayOf(e.ts)}`;
      const d = byDay.get(key) ?? { users: new Set<string>(), sessions: new Set<string>() };
      if (e.user) d.users.add(e.user);
      d.sessions.add(e.session);
      byDay.set(key, d);
    }
    return byDay;
  }

  /** Distinct users of an app in the `days` days ending on day number `day`. */
  function usersIn(app: string, day: number, days: number): number {
    const users = new Set<string>();
    for (const e of published) if (e.app === app && e.user && dayOf(e.ts) <= day && dayOf(e.ts) > day - days) users.add(e.user);
    return users.size;
  }

  it('round trip: every valid activity is a row, with its metadata and a NULL duration when absent', async () => {
    const got = await rows<{ seq: number }>(worker.clickhouse, `SELECT stream_seq AS seq FROM ${db}.user_activity ORDER BY seq`);
    expect(got.map((r) => Number(r.seq))).toEqual(published.map((e) => e.seq));
    const second = published.find((e, i) => i > 0 && published[i - 1]!.session === e.session)!;
    const [row] = await rows<Record<string, unknown>>(
      worker.clickhouse,
      `SELECT app, session_id, user_id, activity_type, metadata, page_url, toUnixTimestamp64Milli(ts) AS ts FROM ${db}.user_activity WHERE stream_seq = ${second.seq}`,
    );
    expect(row).toEqual({
      app: second.app,
      session_id: second.session,
      user_id: second.user,
      activity_type: second.type,
      metadata: { ab: 'b', n: '2' },
      page_url: '/p/1',
      ts: second.ts,
    });
    const [nulls] = await rows<{ n: number }>(worker.clickhouse, `SELECT countIf(duration_ms IS NULL) AS n FROM ${db}.user_activity`);
    expect(Number(nulls!.n)).toBe(published.filter((e) => e.type !== 'page_view').length);
  });

  it('dead-letters bad bodies with their reasons while the good ones around them are stored', async () => {
    const jsm = await jetstreamManager(t.nc);
    const info = await jsm.streams.info(t.config.nats.dlqStream);
    const got = new Map<number, string>();
    for (let seq = 1; seq <= info.state.last_seq; seq++) {
      const msg = (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
      got.set(Number(msg.header!.get(DEAD_LETTER_HEADERS.sequence)), msg.header!.get(DEAD_LETTER_HEADERS.reason));
    }
    expect(got).toEqual(bad);
    expect(worker.stats.storedMessages).toBe(published.length);
  });

  it('active_users_daily_v: distinct users and sessions per app and day', async () => {
    const expected = new Map(
      [...daily()].map(([key, d]) => {
        const [app, day] = key.split('|');
        return [`${app}|${isoDay(Number(day))}`, `${d.users.size}/${d.sessions.size}`];
      }),
    );
    const got = await rows<{ app: string; day: string; users: number; sessions: number }>(
      worker.clickhouse,
      `SELECT app, day, users, sessions FROM ${db}.active_users_daily_v`,
    );
    expect(new Map(got.map((r) => [`${r.app}|${r.day}`, `${r.users}/${r.sessions}`]))).toEqual(expected);
  });

  it('active_users_v: dau, wau and mau merge user sets over 1, 7 and 30 days', async () => {
    const expected = new Map(
      [...daily().keys()].map((key) => {
        const [app, day] = key.split('|') as [string, string];
        const d = Number(day);
        return [`${app}|${isoDay(d)}`, `${usersIn(app, d, 1)}/${usersIn(app, d, 7)}/${usersIn(app, d, 30)}`];
      }),
    );
    const got = await rows<{ app: string; day: string; dau: number; wau: number; mau: number }>(
      worker.clickhouse,
      `SELECT app, day, dau, wau, mau FROM ${db}.active_users_v`,
    );
    const gotMap = new Map(got.map((r) => [`${r.app}|${r.day}`, `${r.dau}/${r.wau}/${r.mau}`]));
    expect(gotMap).toEqual(expected);
    expect([...gotMap.values()].some((v) => v.split('/')[1] !== v.split('/')[0])).toBe(true); // the windows do merge days
  });

  it("sessions_v: each session's user, span and counts", async () => {
    const sessions = new Map<string, { app: string; user: string; started: number; ended: number; events: number; page_views: number }>();
    for (const e of published) {
      const s = sessions.get(e.session) ?? { app: e.app, user: '', started: e.ts, ended: e.ts, events: 0, page_views: 0 };
      if (e.user > s.user) s.user = e.user;
      s.started = Math.min(s.started, e.ts);
      s.ended = Math.max(s.ended, e.ts);
      s.events++;
      if (e.type === 'page_view') s.page_views++;
      sessions.set(e.session, s);
    }
    const expected = [...sessions]
      .map(([session_id, s]) => ({
        app: s.app,
        session_id,
        user_id: s.user,
        started: s.started,
        ended: s.ended,
        duration_s: (s.ended - s.started) / 1000,
        events: s.events,
        page_views: s.page_views,
      }))
      .sort((a, b) => a.session_id.localeCompare(b.session_id));
    const got = await rows<Record<string, unknown>>(
      worker.clickhouse,
      `SELECT app, session_id, user_id, toUnixTimestamp64Milli(started) AS started, toUnixTimestamp64Milli(ended) AS ended, duration_s, events, page_views FROM ${db}.sessions_v ORDER BY session_id`,
    );
    expect(
      got.map((r) => ({
        ...r,
        started: Number(r.started),
        ended: Number(r.ended),
        events: Number(r.events),
        page_views: Number(r.page_views),
      })),
    ).toEqual(expected);
  });

  it("dau_30_days: the guide's daily active users", async () => {
    const today = dayOf(Date.now());
    const expected = [...daily()]
      .map(([key, d]) => {
        const [app, day] = key.split('|') as [string, string];
        return { day: Number(day), app, dau: d.users.size, sessions: d.sessions.size };
      })
      .filter((r) => r.day >= today - 29)
      .sort((a, b) => a.app.localeCompare(b.app) || a.day - b.day)
      .map((r) => ({ ...r, day: isoDay(r.day) }));
    expect(expected.length).toBeGreaterThan(10);
    expect(await analystRows(worker.clickhouse, db, guideQuery('dau_30_days'))).toEqual(expected);
  });

  it("wau_mau: the guide's DAU, WAU and MAU today", async () => {
    const today = dayOf(Date.now());
    const expected = APPS.filter((app) => published.some((e) => e.app === app && dayOf(e.ts) === today)).map((app) => ({
      app,
      dau: usersIn(app, today, 1),
      wau: usersIn(app, today, 7),
      mau: usersIn(app, today, 30),
    }));
    expect(await analystRows(worker.clickhouse, db, guideQuery('wau_mau'))).toEqual(expected);
  });

  it('active_sessions_now: sessions and users seen in the last 30 minutes', async () => {
    const since = Date.now() - 30 * MINUTE;
    const expected = APPS.map((app) => {
      const recent = published.filter((e) => e.app === app && e.ts >= since);
      return {
        app,
        sessions: new Set(recent.map((e) => e.session)).size,
        users: new Set(recent.filter((e) => e.user).map((e) => e.user)).size,
      };
    }).filter((r) => r.sessions > 0);
    expect(expected.length).toBeGreaterThan(0);
    expect(await analystRows(worker.clickhouse, db, guideQuery('active_sessions_now'))).toEqual(expected);
  });
  // Last: it adds a row. A retried batch carries the same token; the raw table and every rollup fed from it must drop the repeat.
  it('a repeated insert (same deduplication token) is counted once in the raw table and the rollups', async () => {
    const ts = Date.now() - 10 * DAY;
    for (let attempt = 0; attempt < 2; attempt++) {
      await worker.clickhouse.insert({
        table: `${db}.user_activity`,
        columns: [
          'ts',
          'app',
          'session_id',
          'user_id',
          'activity_type',
          'page_url',
          'element_id',
          'search_query',
          'duration_ms',
          'metadata',
          'stream_seq',
        ],
        values: [[ts, 'retry-app', 'retry-session', 'retry-user', 'page_view', '/', '', '', null, {}, 999_999]],
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings('kind-activity-retry'),
      });
    }
    const [raw] = await rows<{ n: number }>(worker.clickhouse, `SELECT count() AS n FROM ${db}.user_activity WHERE app = 'retry-app'`);
    const [session] = await rows<{ events: number; page_views: number }>(
      worker.clickhouse,
      `SELECT events, page_views FROM ${db}.sessions_v WHERE app = 'retry-app'`,
    );
    const [users] = await rows<{ users: number; sessions: number }>(
      worker.clickhouse,
      `SELECT users, sessions FROM ${db}.active_users_daily_v WHERE app = 'retry-app'`,
    );
    expect([Number(raw!.n), Number(session!.events), Number(session!.page_views), Number(users!.users), Number(users!.sessions)]).toEqual([
      1, 1, 1, 1, 1,
    ]);
  });
});
