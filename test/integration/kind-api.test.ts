import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Worker } from '../../src/worker/worker.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';
import {
  closeTo,
  dayBucket,
  deadLetters,
  groupBy,
  hourBucket,
  startOfHour,
  withinQuantile,
  exactQuantile,
} from '../helpers/rollup-checks.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const SALT = 'kind-api-salt';

interface SentRequest {
  seq: number;
  service: string;
  ts: number;
  method: string;
  endpoint: string;
  status: number;
  duration_ms: number;
  request_bytes?: number;
  response_bytes?: number;
}

/** (service, method, endpoint) routes, each slower than the one before by 1.6×, so p95 ranks them without doubt. */
const ROUTES = [
  ['billing', 'GET', '/invoices'],
  ['billing', 'POST', '/invoices'],
  ['billing', 'GET', '/invoices/{id}'],
  ['auth', 'POST', '/login'],
  ['auth', 'GET', '/session'],
  ['search', 'GET', '/search'],
  ['search', 'GET', '/suggest'],
  ['search', 'POST', '/reindex'],
] as const;

describe('api kind: telemetry.api.<service>', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  const now = Date.now();
  const sent: SentRequest[] = [];
  const bad = new Map<number, string>();
  let roundTripSeq = 0;

  beforeAll(async () => {
    t = await siftTestEnv({
      PRIVACY: JSON.stringify({ api: { hash: ['client_ip', 'user_id'], drop: ['user_agent'] } }),
      PRIVACY_SALT: SALT,
    });
    const random = seededRandom(20261123);
    const publish = async (service: string, body: Record<string, unknown> & { ts: number }) => {
      const seq = await t.publish(`telemetry.api.${service}`, body);
      sent.push({ seq, service, ...(body as Omit<SentRequest, 'seq' | 'service'>) });
    };
    const reject = async (reason: string, body: unknown) => bad.set(await t.publish('telemetry.api.billing', body), reason);

    // Event times avoid the edges the guide's windows cut at: 50-70 minutes ago (the last hour)
    // and 20-28 hours ago (the hour buckets of the last 24 hours).
    const offsets = (): number => {
      const segment = random();
      if (segment < 0.25) return MINUTE + random() * 49 * MINUTE;
      if (segment < 0.75) return 70 * MINUTE + random() * (20 * HOUR - 70 * MINUTE);
      return 28 * HOUR + random() * 12 * HOUR;
    };
    for (let i = 0; i < 900; i++) {
      const g = Math.floor(random() * ROUTES.length);
      const [service, method, endpoint] = ROUTES[g]!;
      const roll = random();
      const body: Record<string, unknown> & { ts: number } = {
        ts: Math.round(now - offsets()),
        method,
        endpoint,
        status: roll < 0.06 ? 503 : roll < 0.1 ? 500 : roll < 0.18 ? 404 : roll < 0.2 ? 429 : 200,
        duration_ms: Math.round(10 * 1.6 ** g * (0.5 + random()) * 1000) / 1000,
      };
      if (random() < 0.8) body.response_bytes = Math.floor(random() * 50_000);
      if (method === 'POST') body.request_bytes = Math.floor(random() * 8_000);
      await publish(service, body);
      // Bad bodies between good ones: each dead-lettered, none stops its neighbours.
      if (i === 100) await reject('schema', { method: 'GET', endpoint: '/x', status: 700, duration_ms: 1 });
      if (i === 200) await reject('schema', { method: 'GET', endpoint: '/x', status: 200, duration_ms: -3 });
      if (i === 300) await reject('schema', { method: 'GET', endpoint: '/x', status: 200, duration_ms: 1, colour: 'red' });
      if (i === 400) await reject('schema', { endpoint: '/x', status: 200, duration_ms: 1 });
      if (i === 500) await reject('not_json', '{"method": "GET"');
      if (i === 600)
        await reject('ts_out_of_range', { ts: Math.floor(now / 1000), method: 'GET', endpoint: '/x', status: 200, duration_ms: 1 });
      if (i === 700) await reject('schema', '{"method":"GET","endpoint":"/x","status":200,"duration_ms":1,"status":500}');
    }
    const full = {
      ts: new Date(now - 10 * MINUTE).toISOString(),
      method: 'DELETE',
      endpoint: '/sessions/{id}',
      status: 204,
      duration_ms: 3.25,
      user_id: 'user-17',
      session_id: 'sess-9',
      client_ip: '203.0.113.7',
      user_agent: 'curl/8.5.0',
      request_bytes: 0,
      response_bytes: 0,
      error: 'none really',
    };
    roundTripSeq = await t.publish('telemetry.api.auth', full);
    sent.push({
      seq: roundTripSeq,
      service: 'auth',
      ts: now - 10 * MINUTE,
      method: 'DELETE',
      endpoint: '/sessions/{id}',
      status: 204,
      duration_ms: 3.25,
      request_bytes: 0,
      response_bytes: 0,
    });

    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  const db = () => t.config.clickhouse.database;

  it('round trip: a request becomes one raw row, PRIVACY hashing and dropping its fields, and counts in the views', async () => {
    const [row] = await rows(worker.clickhouse, `SELECT * EXCEPT inserted_at FROM ${db()}.api_requests WHERE stream_seq = ${roundTripSeq}`);
    const hash = (value: string) => createHash('sha256').update(SALT).update('\u0000').update(value).digest('hex');
    expect(row).toEqual({
      ts: new Date(now - 10 * MINUTE).toISOString().replace('T', ' ').replace('Z', ''),
      service: 'auth',
      method: 'DELETE',
      endpoint: '/sessions/{id}',
      status: 204,
      duration_ms: 3.25,
      user_id: hash('user-17'),
      session_id: 'sess-9',
      client_ip: hash('203.0.113.7'),
      user_agent: '',
      request_bytes: 0,
      response_bytes: 0,
      error: 'none really',
      stream_seq: roundTripSeq,
    });
    const [view] = await rows(
      worker.clickhouse,
      `SELECT requests, duration_max_ms FROM ${db()}.api_requests_hourly_v WHERE endpoint = '/sessions/{id}'`,
    );
    expect(view).toEqual({ requests: 1, duration_max_ms: 3.25 });
  });

  it('dead-letters every bad body with its reason and stores every good one around them', async () => {
    const got = await deadLetters(t);
    expect(new Map([...got].map(([seq, d]) => [seq, d.reason]))).toEqual(bad);
    expect([...got.values()].map((d) => d.detail)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('/status'),
        expect.stringContaining('/duration_ms'),
        expect.stringContaining('unexpected property "colour"'),
        expect.stringContaining('/method'),
        '/status: duplicate key',
      ]),
    );
    const stored = await rows<{ seq: number }>(worker.clickhouse, `SELECT stream_seq AS seq FROM ${db()}.api_requests ORDER BY seq`);
    expect(stored.map((r) => r.seq)).toEqual(sent.map((s) => s.seq).sort((a, b) => a - b));
  });

  /** Checks one rollup view against the same aggregate computed from the sent requests. */
  async function checkRollup(view: string, bucketOf: (ms: number) => string) {
    const got = await rows<Record<string, number | string>>(
      worker.clickhouse,
      `SELECT * FROM ${db()}.${view} ORDER BY bucket, service, endpoint, method`,
    );
    const groups = groupBy(sent, (s) => [bucketOf(s.ts), s.service, s.endpoint, s.method].join('|'));
    expect(got).toHaveLength(groups.size);
    let quantilesChecked = 0;
    for (const row of got) {
      const group = groups.get([row.bucket, row.service, row.endpoint, row.method].join('|'));
      expect(group, `${view} row ${JSON.stringify(row)} matches no sent request`).toBeDefined();
      const durations = group!.map((s) => s.duration_ms);
      const requests = group!.length;
      const errors5xx = group!.filter((s) => s.status >= 500).length;
      expect(row).toMatchObject({
        requests,
        errors_4xx: group!.filter((s) => s.status >= 400 && s.status < 500).length,
        errors_5xx: errors5xx,
        duration_max_ms: Math.max(...durations),
        request_bytes: group!.reduce((sum, s) => sum + (s.request_bytes ?? 0), 0),
        response_bytes: group!.reduce((sum, s) => sum + (s.response_bytes ?? 0), 0),
      });
      expect(closeTo(row.error_rate as number, errors5xx / requests)).toBe(true);
      expect(closeTo(row.duration_avg_ms as number, durations.reduce((a, b) => a + b, 0) / requests)).toBe(true);
      for (const [column, q] of [
        ['duration_p50_ms', 0.5],
        ['duration_p95_ms', 0.95],
        ['duration_p99_ms', 0.99],
      ] as const) {
        expect(withinQuantile(durations, q, row[column] as number), `${view} ${column} ${row[column]} for ${durations.length} values`).toBe(
          true,
        );
        quantilesChecked++;
      }
    }
    expect(quantilesChecked).toBeGreaterThan(0);
  }

  it('api_requests_hourly_v equals the hourly aggregate of the sent requests (percentiles within 5 % of rank)', async () => {
    await checkRollup('api_requests_hourly_v', hourBucket);
  });

  it('api_requests_daily_v equals the daily aggregate of the sent requests (percentiles within 5 % of rank)', async () => {
    await checkRollup('api_requests_daily_v', dayBucket);
  });

  /** The sent requests in the hour buckets a `hours` window of api_performance reads. */
  const inLastHours = (hours: number) => sent.filter((s) => startOfHour(s.ts) >= startOfHour(Date.now() - hours * HOUR));

  it('guide api_performance_24h: per endpoint over 24 hours, older requests left out', async () => {
    const recent = inLastHours(24);
    expect(recent.length).toBeLessThan(sent.length);
    const expected = [...groupBy(recent, (s) => [s.service, s.endpoint, s.method].join('|'))]
      .map(([key, group]) => {
        const [service, endpoint, method] = key.split('|');
        return { service, endpoint, method, requests: group.length, errors_5xx: group.filter((s) => s.status >= 500).length };
      })
      .sort((a, b) => a.service!.localeCompare(b.service!) || a.endpoint!.localeCompare(b.endpoint!) || a.method!.localeCompare(b.method!));
    const got = await analystRows<Record<string, number | string>>(worker.clickhouse, db(), guideQuery('api_performance_24h'));
    expect(got.map(({ service, endpoint, method, requests, errors_5xx }) => ({ service, endpoint, method, requests, errors_5xx }))).toEqual(
      expected,
    );
    for (const row of got) {
      const group = recent.filter((s) => s.service === row.service && s.endpoint === row.endpoint && s.method === row.method);
      expect(closeTo(row.error_rate as number, (row.errors_5xx as number) / group.length)).toBe(true);
      expect(closeTo(row.duration_avg_ms as number, group.reduce((a, s) => a + s.duration_ms, 0) / group.length)).toBe(true);
      expect(
        withinQuantile(
          group.map((s) => s.duration_ms),
          0.95,
          row.duration_p95_ms as number,
        ),
      ).toBe(true);
    }
  });

  it('guide api_endpoint_performance: one endpoint, the parameters of api_performance(hours, endpoint)', async () => {
    const group = inLastHours(24).filter((s) => s.endpoint === '/invoices');
    const byMethod = groupBy(group, (s) => s.method);
    const got = await analystRows<Record<string, number | string>>(worker.clickhouse, db(), guideQuery('api_endpoint_performance'), {
      hours: 24,
      endpoint: '/invoices',
    });
    expect(got.map((r) => [r.service, r.method, r.requests])).toEqual(
      [...byMethod].sort().map(([method, g]) => ['billing', method, g.length]),
    );
    for (const row of got) {
      const durations = byMethod.get(row.method as string)!.map((s) => s.duration_ms);
      expect(row.duration_max_ms).toBe(Math.max(...durations));
      expect(withinQuantile(durations, 0.5, row.duration_p50_ms as number)).toBe(true);
      expect(withinQuantile(durations, 0.99, row.duration_p99_ms as number)).toBe(true);
    }
    // An empty endpoint means all of them.
    const all = await analystRows(worker.clickhouse, db(), guideQuery('api_endpoint_performance'), { hours: 24, endpoint: '' });
    expect(all).toHaveLength(new Set(inLastHours(24).map((s) => `${s.service}|${s.endpoint}|${s.method}`)).size);
  });

  it('guide api_slowest_endpoints: the five slowest by p95, slowest first', async () => {
    const groups = groupBy(inLastHours(24), (s) => [s.service, s.method, s.endpoint].join('|'));
    const expected = [...groups]
      .map(([key, group]) => ({
        key,
        p95: exactQuantile(
          group.map((s) => s.duration_ms),
          0.95,
        ),
        durations: group.map((s) => s.duration_ms),
      }))
      .sort((a, b) => b.p95 - a.p95)
      .slice(0, 5);
    const got = await analystRows<Record<string, number | string>>(worker.clickhouse, db(), guideQuery('api_slowest_endpoints'));
    expect(got.map((r) => [r.service, r.method, r.endpoint].join('|'))).toEqual(expected.map((e) => e.key));
    for (const [i, row] of got.entries()) expect(withinQuantile(expected[i]!.durations, 0.95, row.duration_p95_ms as number)).toBe(true);
  });

  it('guide api_service_health: requests and average response time per service in the last hour', async () => {
    const lastHour = sent.filter((s) => s.ts >= Date.now() - HOUR);
    expect(lastHour.length).toBeGreaterThan(0);
    const expected = [...groupBy(lastHour, (s) => s.service)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, group]) => ({
        service,
        requests: group.length,
        duration_avg_ms: group.reduce((a, s) => a + s.duration_ms, 0) / group.length,
        error_rate: group.filter((s) => s.status >= 500).length / group.length,
      }));
    const got = await analystRows<{ service: string; requests: number; duration_avg_ms: number; error_rate: number }>(
      worker.clickhouse,
      db(),
      guideQuery('api_service_health'),
    );
    expect(got.map((r) => [r.service, r.requests])).toEqual(expected.map((e) => [e.service, e.requests]));
    got.forEach((row, i) => {
      expect(closeTo(row.duration_avg_ms, expected[i]!.duration_avg_ms)).toBe(true);
      expect(closeTo(row.error_rate, expected[i]!.error_rate)).toBe(true);
    });
  });
});
