import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';
import { insertSettings } from '../../src/sinks/clickhouse/insert-settings.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';

const HOUR = 3_600_000;
const WINDOW_MS = 300_000; // ERROR_SUPPRESS_WINDOW_S default
const SOURCES = ['checkout-api', 'auth-service', 'web-frontend'];
const CATEGORIES = ['api', 'database', 'frontend'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
/** Message templates: occurrences differ only in numbers, hex ids and UUIDs, so one template is one fingerprint per source, category and code. */
const TEMPLATES = [
  (r: () => number) => `Deadlock found when trying to get lock on row ${Math.floor(r() * 1e6)}`,
  (r: () => number) => `request ${crypto.randomUUID()} failed after ${Math.floor(r() * 5000)} ms`,
  (r: () => number) => `object 0x${Math.floor(r() * 0xffffff).toString(16)} not found in shard ${Math.floor(r() * 16)}`,
];

/** One published error and what the test knows about it independently of Sift's code. */
interface Published {
  seq: number;
  source: string;
  category: string;
  severity: string;
  code: string | undefined;
  template: number;
  ts: number;
}

describe('error kind: storm suppression, the hourly rollup, error trends', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let db: string;
  const now = Date.now();
  const published: Published[] = [];
  /** seq → reason for the bad bodies, published between good ones. */
  const bad = new Map<number, string>();

  beforeAll(async () => {
    t = await siftTestEnv();
    db = t.config.clickhouse.database;
    const random = seededRandom(9);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const send = async (e: Omit<Published, 'seq'>, message: string) => {
      const body: Record<string, unknown> = {
        ts: new Date(e.ts).toISOString(),
        category: e.category,
        severity: e.severity,
        message,
        context: { attempt: 1, host: 'h1' },
      };
      if (e.code !== undefined) body.code = e.code;
      published.push({ ...e, seq: await t.publish(`telemetry.error.${e.source}`, body) });
    };
    // Bursts of one fingerprint (a storm) and single errors, at times that keep clear of the
    // 24-hour boundary of error_trends(24, …): within the last 20 hours, or 27 to 30 hours ago.
    for (let burst = 0; burst < 60; burst++) {
      const base = random() < 0.8 ? now - 60_000 - random() * 20 * HOUR : now - 27 * HOUR - random() * 3 * HOUR;
      const [source, category, template] = [pick(SOURCES), pick(CATEGORIES), Math.floor(random() * TEMPLATES.length)];
      const code = template === 0 ? 'ER_LOCK_DEADLOCK' : undefined;
      const size = random() < 0.4 ? 1 : 2 + Math.floor(random() * 20);
      for (let i = 0; i < size; i++) {
        // Mostly forward in time, sometimes late; spread over up to ~13 minutes, so storms cross windows.
        const ts = Math.min(now - 1000, Math.round(base + (random() < 0.85 ? i : i - 3) * random() * 80_000));
        await send({ source, category, severity: pick(SEVERITIES), code, template, ts }, TEMPLATES[template]!(random));
      }
      if (burst % 10 === 3) {
        bad.set(await t.publish(`telemetry.error.${source}`, { category, severity: 'error', message: 'm', host: 'x' }), 'schema');
        bad.set(await t.publish(`telemetry.error.${source}`, { category: 'Database', severity: 'error', message: 'm' }), 'schema');
        bad.set(await t.publish(`telemetry.error.${source}`, { category, severity: 'fatal', message: 'm' }), 'schema');
        bad.set(await t.publish(`telemetry.error.${source}`, '{"category":'), 'not_json');
        bad.set(
          await t.publish(`telemetry.error.${source}`, { ts: 1_700_000, category, severity: 'error', message: 'm' }),
          'ts_out_of_range',
        );
      }
    }
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  /** What storm suppression must store, replayed from the published order: seq → repeats. */
  function expectedStored(): Map<number, number> {
    const state = new Map<string, { lastStoredTs: number; suppressed: number }>();
    const stored = new Map<number, number>();
    for (const e of published) {
      const key = `${e.source}|${e.category}|${e.code ?? ''}|${e.template}`;
      const s = state.get(key);
      if (!s) {
        state.set(key, { lastStoredTs: e.ts, suppressed: 0 });
        stored.set(e.seq, 0);
      } else if (e.ts - s.lastStoredTs >= WINDOW_MS) {
        stored.set(e.seq, s.suppressed);
        s.lastStoredTs = e.ts;
        s.suppressed = 0;
      } else s.suppressed++;
    }
    return stored;
  }

  it('round trip: a stored error has its fields, context, fingerprint and repeats', async () => {
    const first = published[0]!;
    const [row] = await rows<Record<string, unknown>>(
      worker.clickhouse,
      `SELECT source, category, severity, code, context, length(fingerprint) AS fp, repeats, toUnixTimestamp64Milli(ts) AS ts FROM ${db}.errors WHERE stream_seq = ${first.seq}`,
    );
    expect(row).toEqual({
      source: first.source,
      category: first.category,
      severity: first.severity,
      code: first.code ?? '',
      context: { attempt: '1', host: 'h1' },
      fp: 16,
      repeats: 0,
      ts: first.ts,
    });
  });

  it('stores each fingerprint at most once per window of event time, carrying the suppressed count', async () => {
    const expected = expectedStored();
    expect(expected.size).toBeLessThan(published.length / 2); // the seed makes real storms
    const got = await rows<{ seq: number; repeats: number }>(
      worker.clickhouse,
      `SELECT stream_seq AS seq, repeats FROM ${db}.errors ORDER BY seq`,
    );
    expect(new Map(got.map((r) => [Number(r.seq), Number(r.repeats)]))).toEqual(expected);
    expect(worker.stats.filtered).toBe(published.length - expected.size);
  });

  it('errors_hourly_v counts every received error, stored or suppressed', async () => {
    const counts = new Map<string, number>();
    for (const e of published) {
      const key = `${Math.floor(e.ts / HOUR) * 3600}|${e.source}|${e.category}|${e.severity}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const got = await rows<{ hour: number; source: string; category: string; severity: string; errors: number }>(
      worker.clickhouse,
      `SELECT toUnixTimestamp(bucket) AS hour, source, category, severity, errors FROM ${db}.errors_hourly_v`,
    );
    expect(new Map(got.map((r) => [`${r.hour}|${r.source}|${r.category}|${r.severity}`, Number(r.errors)]))).toEqual(counts);
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
    expect(worker.stats.storedMessages).toBe(expectedStored().size);
  });

  it.each([
    ['', undefined],
    ['database', 'database'],
  ])('error_trends: the parameterized view, category %j', async (category, only) => {
    const since = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;
    const trend = new Map<string, { errors: number; critical: number; sources: Set<string> }>();
    for (const e of published) {
      if (e.ts < since || (only && e.category !== only)) continue;
      const key = `${Math.floor(e.ts / HOUR) * 3600}|${e.category}`;
      const b = trend.get(key) ?? { errors: 0, critical: 0, sources: new Set<string>() };
      b.errors++;
      if (e.severity === 'critical') b.critical++;
      b.sources.add(e.source);
      trend.set(key, b);
    }
    const expected = [...trend]
      .map(([key, b]) => {
        const [hour, cat] = key.split('|');
        return { hour: Number(hour), category: cat!, errors: b.errors, critical: b.critical, sources: b.sources.size };
      })
      .sort((a, b) => a.hour - b.hour || a.category.localeCompare(b.category));
    expect(expected.length).toBeGreaterThan(0);
    const got = await analystRows<Record<string, unknown>>(worker.clickhouse, db, guideQuery('error_trends'), { hours: 24, category });
    expect(
      got.map((r) => ({ ...r, hour: Math.floor(new Date(`${String(r.bucket).replace(' ', 'T')}Z`).getTime() / 1000), bucket: undefined })),
    ).toEqual(expected.map((e) => ({ ...e, bucket: undefined })));
  });

  it('noisiest_errors: fingerprints by occurrences, stored and suppressed', async () => {
    const stored = expectedStored();
    const since = Date.now() - 24 * HOUR;
    const byKey = new Map<string, { stored: number; suppressed: number }>();
    for (const e of published) {
      if (!stored.has(e.seq) || e.ts < since) continue;
      const key = `${e.source}|${e.category}|${e.code ?? ''}|${e.template}`;
      const f = byKey.get(key) ?? { stored: 0, suppressed: 0 };
      f.stored++;
      f.suppressed += stored.get(e.seq)!;
      byKey.set(key, f);
    }
    const expected = [...byKey.values()]
      .map((f) => f.stored + f.suppressed)
      .sort((a, b) => b - a)
      .slice(0, 10);
    const got = await analystRows<{ occurrences: number; stored: number; suppressed: number; fingerprint: string }>(
      worker.clickhouse,
      db,
      guideQuery('noisiest_errors'),
      { hours: 24 },
    );
    expect(got.map((r) => Number(r.occurrences))).toEqual(expected);
    for (const r of got) expect(Number(r.occurrences)).toBe(Number(r.stored) + Number(r.suppressed));
  });
  // Last: it adds counts. A retried batch carries the same token: its partial counts must reach the rollup once.
  it('a repeated partials insert (same deduplication token) is counted once', async () => {
    const hour = Math.floor((Date.now() - 50 * HOUR) / HOUR) * 3600;
    for (let attempt = 0; attempt < 2; attempt++) {
      await worker.clickhouse.insert({
        table: `${db}.error_partials`,
        columns: ['hour', 'source', 'category', 'severity', 'errors'],
        values: [[hour, 'retry-source', 'api', 'error', 7]],
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings('kind-error-retry'),
      });
    }
    const [row] = await rows<{ errors: number }>(
      worker.clickhouse,
      `SELECT sum(errors) AS errors FROM ${db}.errors_hourly_v WHERE source = 'retry-source'`,
    );
    expect(Number(row!.errors)).toBe(7);
  });
});
