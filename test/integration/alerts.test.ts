import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { loadConfig, type SiftConfig } from '../../src/config/load.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { migrate } from '../../src/sinks/clickhouse/migrations.js';
import { AlertStateStore } from '../../src/alerts/state-store.js';
import { alertKey } from '../../src/alerts/evaluate.js';
import { checkRules, listAlerts } from '../../src/cli/alerts.js';
import { loadRules } from '../../src/alerts/rules.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { until } from '../helpers/until.js';

const RULES = `
rules:
  - name: api_error_rate
    severity: critical
    view: api_requests_hourly_v
    value: sum(errors_5xx) / sum(requests)
    group_by: [service, endpoint]
    window: 1h
    above: 0.05
    for: 600ms
    every: 200ms
    annotations:
      summary: "5xx rate {{ value }} on {{ labels.endpoint }}"
      description: "{{ labels.service }} {{ labels.endpoint }} above {{ threshold }}"
  - name: device_temp_high
    severity: warning
    view: device_metrics_hourly_v
    value: max(max)
    where: metric = 'temperature'
    group_by: device_id
    window: 1h
    above: 80
    every: 200ms
`;

interface Event {
  rule: string;
  severity: string;
  state: string;
  labels: Record<string, string>;
  value: number;
  threshold: number;
  starts_at: string | null;
  ends_at: string | null;
  annotations: Record<string, string>;
}
interface Received {
  path: string;
  body: unknown;
}

describe('alerts', () => {
  let t: SiftTestEnv;
  let config: SiftConfig;
  let clickhouse: ClickHouseClient;
  let db: string;
  let http: Server;
  const received: Received[] = [];
  const workers: Worker[] = [];

  /** Every event in the ALERTS stream (not what a core subscriber saw: the stream drops repeats by Nats-Msg-Id). */
  async function events(): Promise<Event[]> {
    const jsm = await jetstreamManager(t.nc);
    const info = await jsm.streams.info('ALERTS');
    const out: Event[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++)
      out.push((await jsm.streams.getMessage('ALERTS', { seq }))!.json<Event>());
    return out;
  }
  const of = (list: Event[], endpoint: string, state: string) => list.filter((e) => e.labels.endpoint === endpoint && e.state === state);
  const history = (endpoint: string) =>
    rows<{ state: string; n: number }>(
      clickhouse,
      `SELECT state, count() AS n FROM ${db}.alerts WHERE labels['endpoint'] = '${endpoint}' GROUP BY state ORDER BY state`,
    );

  let seq = 0;
  /** Requests in the current hour: `total` of them, `failed` with a 5xx. */
  async function requests(endpoint: string, total: number, failed: number): Promise<void> {
    // Straight into the api kind's raw table: its materialized views feed api_requests_hourly_v.
    const ts = Date.now();
    const values = Array.from({ length: total }, (_, i) => ({
      ts,
      service: 'shop',
      endpoint,
      method: 'GET',
      status: i < failed ? 503 : 200,
      duration_ms: 20 + i,
      stream_seq: ++seq,
    }));
    await clickhouse.insert({
      table: `${db}.api_requests`,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplicate: 0, insert_deduplication_token: '' },
    });
  }

  async function startWorker(extra: NodeJS.ProcessEnv = {}): Promise<Worker> {
    const worker = await Worker.start(loadConfig({ env: { ...t.env, ...extra, NODE_ENV: undefined } }), testLogger, { clickhouse });
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url!, body: JSON.parse(body) });
        res.statusCode = req.url === '/broken' ? 500 : 200;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const probe = siftTestEnv;
    t = await probe({
      ALERTS_ENABLED: 'true',
      WORKER_HEARTBEAT_MS: '200',
      ALERT_WEBHOOK_URL: `${base}/slack`,
      ALERTMANAGER_URL: `${base}/am/`,
      ALERT_NOTIFY_BACKOFF_MS: '20',
      ALERT_NOTIFY_ATTEMPTS: '2',
    });
    const rulesFile = join(t.dataDir, 'alerts.yaml');
    writeFileSync(rulesFile, RULES);
    t.env.ALERT_RULES_FILE = rulesFile;
    config = loadConfig({ env: { ...t.env, NODE_ENV: undefined } });
    db = config.clickhouse.database;
    clickhouse = await createClickHouse(config.clickhouse);
    await migrate(clickhouse, { database: db, retentionDays: 3650 });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await clickhouse?.close();
    await t?.dispose();
    await new Promise((r) => http?.close(r));
  });

  it('rejects a bad rules file at start-up with one line naming the rule and the field', async () => {
    const bad = join(t.dataDir, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  - name: r\n    severity: info\n    query: SELECT 1 AS value\n    above: 1\n    for: soon\n');
    await expect(startWorker({ ALERT_RULES_FILE: bad })).rejects.toThrow(
      /^.*bad\.yaml: rule "r": for: must be a duration like 600ms, 30s, 5m or 1h; got "soon"$/,
    );
    writeFileSync(
      bad,
      'rules:\n  - name: ghost\n    severity: info\n    query: SELECT endpoint, errors AS value FROM no_such_view\n    above: 1\n',
    );
    const error = await startWorker({ ALERT_RULES_FILE: bad }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^alert rule "ghost": query: ClickHouse cannot run it: .*no_such_view/);
    expect((error as Error).message).not.toContain('\n');
    writeFileSync(
      bad,
      'rules:\n  - name: novalue\n    severity: info\n    query: SELECT endpoint, requests FROM api_requests_hourly_v\n    above: 1\n',
    );
    await expect(startWorker({ ALERT_RULES_FILE: bad })).rejects.toThrow(
      /^alert rule "novalue": query: ClickHouse cannot run it: the query returns no column named value$/,
    );
  });

  it('goes pending, fires once after `for`, resolves once when the rate drops; history, gauge and receivers follow', async () => {
    const worker = await startWorker();
    const store = await AlertStateStore.open(t.nc, config.alerts.kvBucket);
    await requests('/orders', 100, 10); // 10 % 5xx
    await requests('/users', 100, 2); // 2 %
    const orders = alertKey('api_error_rate', { service: 'shop', endpoint: '/orders' });
    await until(async () => (await store.load('api_error_rate')).get(orders)?.record.alert?.state === 'pending', 'the alert is pending');
    expect(of(await events(), '/orders', 'firing')).toHaveLength(0);
    await until(async () => of(await events(), '/orders', 'firing').length > 0, 'the FIRING event');
    await new Promise((r) => setTimeout(r, 1_000)); // five more evaluations: no repeat
    let all = await events();
    expect(of(all, '/orders', 'firing')).toHaveLength(1);
    expect(all.filter((e) => e.labels.endpoint === '/users')).toHaveLength(0);
    const [firing] = of(all, '/orders', 'firing');
    expect(firing).toEqual({
      rule: 'api_error_rate',
      severity: 'critical',
      state: 'firing',
      labels: { service: 'shop', endpoint: '/orders' },
      value: 0.1,
      threshold: 0.05,
      starts_at: expect.stringMatching(/^\d{4}-.*Z$/),
      ends_at: null,
      annotations: { summary: '5xx rate 0.1 on /orders', description: 'shop /orders above 0.05' },
    });
    expect(await history('/orders')).toEqual([
      { state: 'firing', n: 1 },
      { state: 'pending', n: 1 },
    ]);
    expect(await history('/users')).toEqual([]);
    expect((await worker.metrics.alertsFiring.get()).values.find((v) => v.labels.rule === 'api_error_rate')?.value).toBe(1);
    expect(await listAlerts(config)).toEqual([
      `firing    api_error_rate service=shop endpoint=/orders value=0.1 since ${firing!.starts_at}`,
    ]);

    await requests('/orders', 500, 0); // 10 / 600 < 5 %
    await until(async () => of(await events(), '/orders', 'resolved').length > 0, 'the RESOLVED event');
    await new Promise((r) => setTimeout(r, 1_000));
    all = await events();
    expect(of(all, '/orders', 'resolved')).toHaveLength(1);
    expect(of(all, '/orders', 'firing')).toHaveLength(1);
    const [resolved] = of(all, '/orders', 'resolved');
    expect(resolved!.starts_at).toBe(firing!.starts_at);
    expect(Date.parse(resolved!.ends_at!)).toBeGreaterThan(Date.parse(firing!.starts_at!));
    expect(await history('/orders')).toEqual([
      { state: 'firing', n: 1 },
      { state: 'pending', n: 1 },
      { state: 'resolved', n: 1 },
    ]);
    expect((await worker.metrics.alertsFiring.get()).values.find((v) => v.labels.rule === 'api_error_rate')?.value).toBe(0);

    // Receivers: Slack-compatible text + blocks, Alertmanager's postable alerts.
    await until(() => received.filter((r) => r.path === '/am/api/v2/alerts').length >= 2, 'Alertmanager heard FIRING and RESOLVED');
    const slack = received
      .filter((r) => r.path === '/slack')
      .map((r) => r.body as { text: string; blocks: Array<{ type: string; text: { type: string; text: string } }> });
    expect(slack.map((b) => b.text)).toEqual([
      '[FIRING] api_error_rate (critical) service=shop endpoint=/orders value=0.1 5xx rate 0.1 on /orders',
      expect.stringMatching(/^\[RESOLVED\] api_error_rate \(critical\) service=shop endpoint=\/orders value=0\.1 /),
    ]);
    expect(slack[0]!.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    const am = received.filter((r) => r.path === '/am/api/v2/alerts').map((r) => r.body as Array<Record<string, unknown>>);
    expect(am[0]).toEqual([
      {
        labels: { alertname: 'api_error_rate', severity: 'critical', service: 'shop', endpoint: '/orders' },
        annotations: firing!.annotations,
        startsAt: firing!.starts_at,
        generatorURL: '',
      },
    ]);
    expect(am[1]![0]).toMatchObject({ labels: { alertname: 'api_error_rate' }, startsAt: firing!.starts_at, endsAt: resolved!.ends_at });
  });

  it('works on any view: a device metric rule fires from readings the worker stored', async () => {
    await t.publish('telemetry.metrics.boiler-1', { ts: Date.now(), metrics: { temperature: 91 } });
    await t.publish('telemetry.metrics.boiler-2', { ts: Date.now(), metrics: { temperature: 40 } });
    await until(async () => (await events()).some((e) => e.rule === 'device_temp_high'), 'the device alert fires');
    const device = (await events()).filter((e) => e.rule === 'device_temp_high');
    expect(device.map((e) => [e.labels.device_id, e.state, e.value])).toEqual([['boiler-1', 'firing', 91]]);
    expect(await checkRules(clickhouse, db, loadRules(config.alerts.rulesFile))).toEqual([
      'ok          api_error_rate: 2 subject(s), none above 0.05',
      'would fire  device_temp_high (warning) device_id=boiler-1 value=91 above 80; fires at once',
    ]);
  });

  it('a leader stopped mid-way hands over without a duplicate or a lost transition', async () => {
    await startWorker();
    const live = workers.slice(-2);
    await until(() => live.filter((w) => w.isAlertLeader).length === 1, 'one leader among the two');
    const leader = live.find((w) => w.isAlertLeader)!;
    const follower = live.find((w) => !w.isAlertLeader)!;
    const store = await AlertStateStore.open(t.nc, config.alerts.kvBucket);
    const pay = alertKey('api_error_rate', { service: 'shop', endpoint: '/pay' });
    await requests('/pay', 50, 25);
    await until(async () => (await store.load('api_error_rate')).get(pay)?.record.alert?.state === 'pending', '/pay is pending');
    await leader.stop();
    await until(() => follower.isAlertLeader, 'the other worker leads');
    await until(async () => of(await events(), '/pay', 'firing').length > 0, 'FIRING from the new leader');
    await requests('/pay', 2_000, 0);
    await until(async () => of(await events(), '/pay', 'resolved').length > 0, 'RESOLVED from the new leader');
    await new Promise((r) => setTimeout(r, 1_000));
    const all = await events();
    expect(of(all, '/pay', 'firing')).toHaveLength(1);
    expect(of(all, '/pay', 'resolved')).toHaveLength(1);
    expect(await history('/pay')).toEqual([
      { state: 'firing', n: 1 },
      { state: 'pending', n: 1 },
      { state: 'resolved', n: 1 },
    ]);
    expect((await follower.metrics.alertsFiring.get()).values.find((v) => v.labels.rule === 'api_error_rate')?.value).toBe(0);
  });

  it('a leader that died after writing a transition but before announcing it: the next one announces it once', async () => {
    const store = await AlertStateStore.open(t.nc, config.alerts.kvBucket);
    const labels = { service: 'shop', endpoint: '/ghost' };
    const key = alertKey('api_error_rate', labels);
    const startsAt = Date.now() - 5_000;
    await requests('/ghost', 10, 5);
    const event = {
      rule: 'api_error_rate',
      severity: 'critical',
      state: 'firing' as const,
      labels,
      value: 0.5,
      threshold: 0.05,
      starts_at: new Date(startsAt).toISOString(),
      ends_at: null,
      annotations: {},
      id: `${key}.firing.${startsAt}`,
      at: new Date(startsAt).toISOString(),
      previous_state: 'pending' as const,
      active_at: new Date(startsAt - 600).toISOString(),
    };
    // The dead leader may even have published already: the stream drops the repeat by its id.
    const { rule, severity, state, value, threshold, starts_at, ends_at, annotations } = event;
    await jetstream(t.nc).publish(
      'telemetry-alerts.api_error_rate',
      JSON.stringify({ rule, severity, state, labels, value, threshold, starts_at, ends_at, annotations }),
      { msgID: event.id },
    );
    await store.write(
      key,
      { alert: { rule: 'api_error_rate', labels, state: 'firing', activeAt: startsAt - 600, startsAt, value: 0.5 }, outbox: [event] },
      0,
    );
    // /ghost still breaches, so this evaluation has no transition of its own: only the outbox says what is owed.
    await until(async () => (await store.load('api_error_rate')).get(key)?.record.outbox.length === 0, 'the outbox is delivered');
    await new Promise((r) => setTimeout(r, 600));
    expect(of(await events(), '/ghost', 'firing')).toHaveLength(1);
    expect(await history('/ghost')).toEqual([{ state: 'firing', n: 1 }]);
    expect((await store.load('api_error_rate')).get(key)?.record.alert).toMatchObject({ state: 'firing', startsAt });

    // Then it stops breaching: one RESOLVED, as for any alert.
    await requests('/ghost', 1_000, 0);
    await until(async () => of(await events(), '/ghost', 'resolved').length > 0, 'the /ghost alert resolves');
    await new Promise((r) => setTimeout(r, 600));
    expect(of(await events(), '/ghost', 'resolved')).toHaveLength(1);
    expect(await history('/ghost')).toEqual([
      { state: 'firing', n: 1 },
      { state: 'resolved', n: 1 },
    ]);
  });
});
