import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { Fleet, type FleetOptions } from '../simulate/fleet.js';
import { renderDemoReport, type ReportSeries, type RollupHour } from '../report/demo-report.js';
import { filterSettings } from '../transforms/device-filter/device-filter.js';
import { join, resolve } from 'node:path';
import { loadConfig, type SiftConfig } from '../config/load.js';
import type { Logger } from '../telemetry/logger.js';
import { startNatsServer } from '../tools/nats-server.js';
import { Worker } from '../worker/worker.js';
import { simulate } from '../simulate/publish.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { jetstream } from '@nats-io/jetstream';
import { kinds } from '../kinds/registry.js';
import { guideQueries } from '../docs/analyst-guide.js';
import { sqlString } from '../sinks/clickhouse/sql-string.js';

export const demoDescription = `Runs the whole pipeline on this machine: starts a local nats-server (fetched if needed) on a free
port, simulates a device fleet, drains it through a worker into the embedded ClickHouse under
./data/demo, prints what was stored, and writes an HTML report (default demo-report.html) that
plots, for a few devices, every received value against the values the filter stored. Explore:
  CLICKHOUSE_EMBEDDED_PATH=./data/demo/clickhouse npx sift query "SELECT * FROM device_metrics LIMIT 10"`;

const BAD_INPUT: Array<[subject: string, body: string]> = [
  ['metrics.dev-00000', 'not json at all'],
  ['metrics.dev-00001', '{"metrics": {"temperature": "hot"}}'],
  ['metrics.dev-00002', '{"metrics": {"temperature": 1e999}}'],
  ['metrics.dev-00003', '{"device_id": "someone-else", "metrics": {"temperature": 20}}'],
  ['doorbell.dev-00004', '{"rang": true}'],
];

/** Events of each other kind the demo publishes beside the device fleet. */
const OTHER_EVENTS_PER_KIND = 1_500;

/** Guide queries the demo prints: title, query name, parameters. */
const DEMO_ANSWERS: Array<[title: string, name: string, params: Record<string, string | number>]> = [
  ['Daily, weekly and monthly active users today', 'wau_mau', {}],
  ['Slowest endpoints by p95', 'api_slowest_endpoints', {}],
  ['Job success rate per type over a week', 'job_success_rate_week', {}],
  ['Error trend by category, last 3 hours', 'error_trends', { hours: 3, category: '' }],
  ['Instances gone silent', 'silent_instances', {}],
];

/** Fills `{name:Type}` parameters with literals (the demo's own values, never input). */
function bindParams(sql: string, params: Record<string, string | number>): string {
  return sql.replace(/\{(\w+):[^}]+\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? String(value) : sqlString(value);
  });
}

/** Which devices and metrics the report draws. */
const REPORT_METRICS = ['temperature', 'cpu_pct'];

/** Every received value of a few devices (the fleet is deterministic, so replay it) and what was stored. */
async function reportSeries(worker: Worker, db: string, fleet: FleetOptions, count: number): Promise<ReportSeries[]> {
  const rules = filterSettings(worker.config.filter).rules;
  const picked = [7, 42, 123].filter((i) => i < fleet.devices).map((i) => `dev-${String(i).padStart(5, '0')}`);
  if (picked.length === 0) picked.push('dev-00000');
  const series = new Map<string, ReportSeries>();
  for (const deviceId of picked)
    for (const metric of REPORT_METRICS)
      series.set(`${deviceId}/${metric}`, { deviceId, metric, received: [], stored: [], rule: rules.ruleFor(metric) });
  const replay = new Fleet(fleet);
  for (let i = 0; i < count; i++) {
    const { deviceId, body } = replay.nextReading();
    for (const metric of REPORT_METRICS) series.get(`${deviceId}/${metric}`)?.received.push([Date.parse(body.ts), body.metrics[metric]!]);
  }
  const result = await worker.clickhouse.query({
    query: `SELECT device_id, metric, toUnixTimestamp64Milli(ts) AS ms, value, reason, trigger FROM ${db}.device_metrics
            WHERE device_id IN {devices:Array(String)} AND metric IN {metrics:Array(String)} ORDER BY ts`,
    query_params: { devices: picked, metrics: REPORT_METRICS },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  for (const row of await result.json<{
    device_id: string;
    metric: string;
    ms: number;
    value: number;
    reason: string;
    trigger: boolean;
  }>()) {
    series.get(`${row.device_id}/${row.metric}`)?.stored.push([Number(row.ms), row.value, row.reason, Boolean(row.trigger)]);
  }
  return [...series.values()];
}

/** Values received (the rollup's samples) against rows stored, per hour over the whole fleet. */
async function rollupHours(worker: Worker, db: string): Promise<RollupHour[]> {
  const result = await worker.clickhouse.query({
    query: `SELECT toUnixTimestamp(r.bucket) * 1000 AS hour, r.samples AS samples, coalesce(s.rows, 0) AS rows
            FROM (SELECT bucket, sum(samples) AS samples FROM ${db}.device_metrics_hourly_v GROUP BY bucket) AS r
            LEFT JOIN (SELECT toStartOfHour(ts) AS bucket, count() AS rows FROM ${db}.device_metrics GROUP BY bucket) AS s ON s.bucket = r.bucket
            ORDER BY hour`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return (await result.json<RollupHour>()).map((h) => ({ hour: Number(h.hour), samples: Number(h.samples), rows: Number(h.rows) }));
}

export async function runDemo(
  logger: Logger,
  options: { devices: number; rounds: number; report: string },
  out: (line: string) => void,
): Promise<number> {
  const dir = resolve('data', 'demo');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  out('starting a local nats-server (fetching it first if this machine has none ≥ 2.11)…');
  const nats = await startNatsServer({ storeDir: join(dir, 'nats') });
  try {
    const config: SiftConfig = loadConfig({
      env: { ...process.env, NATS_URL: nats.url, CLICKHOUSE_URL: '', CLICKHOUSE_EMBEDDED_PATH: join(dir, 'clickhouse'), METRICS_PORT: '0' },
    });
    const count = options.devices * options.rounds;
    const fleet = { devices: options.devices, seed: 42, intervalS: 10, startMs: Date.now() - (options.rounds - 1) * 10_000 };
    out(`simulating ${options.devices} devices × ${options.rounds} readings, 10 s apart in event time (${count} messages)…`);
    await simulate(config, { ...fleet, count, rate: 0 });
    const others = kinds.filter((k) => k.simulator).map((k) => k.name);
    const otherCount = OTHER_EVENTS_PER_KIND * others.length;
    out(`simulating ${others.join(', ')}: ${otherCount} events of the last two hours…`);
    await simulate(config, { ...fleet, devices: 40, count: otherCount, rate: 0, kinds: others, startMs: Date.now() - 2 * 3_600_000 });
    const nc = await connectNats(config.nats, 'sift-demo');
    const js = jetstream(nc);
    for (const [subject, body] of BAD_INPUT) await js.publish(`${config.nats.subjectPrefix}.${subject}`, body);
    await nc.close();

    out('draining the stream through a worker into the embedded ClickHouse…');
    const started = performance.now();
    const worker = await Worker.start(config, logger);
    await worker.untilIdle();
    const seconds = (performance.now() - started) / 1000;
    const s = worker.stats.snapshot();
    const db = config.clickhouse.database;
    const query = async (sql: string) => {
      const result = await worker.clickhouse.exec({ query: `${sql}\nFORMAT PrettyCompactMonoBlock` });
      let text = '';
      for await (const chunk of result.stream) text += chunk;
      return text.trimEnd();
    };
    out('');
    out(`received       ${s.received} messages in ${seconds.toFixed(1)} s`);
    out(
      `stored         ${s.storedMessages} messages as ${s.storedRows} rows (${((100 * s.storedMessages) / Math.max(1, s.received - s.deadLettered)).toFixed(1)} % of valid messages)`,
    );
    out(
      `  by reason    ${Object.entries(s.storedByReason)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} (rows)`,
    );
    out(`filtered out   ${s.filteredOut} messages`);
    out(
      `dead-lettered  ${s.deadLettered} messages (${Object.entries(s.deadLetteredByReason)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}) → stream ${config.nats.dlqStream}`,
    );
    out('');
    out('What the filter kept for one device (device_metrics):');
    out(
      await query(
        `SELECT ts, metric, value, reason FROM ${db}.device_metrics WHERE device_id = 'dev-00007' AND metric IN ('temperature', 'cpu_pct') ORDER BY metric, ts LIMIT 12`,
      ),
    );
    out('');
    out('Hourly rollup of every received value (device_metrics_hourly_v):');
    out(
      await query(
        `SELECT bucket, device_id, metric, samples, round(min, 2) AS min, round(max, 2) AS max, round(avg, 2) AS avg, last FROM ${db}.device_metrics_hourly_v WHERE device_id = 'dev-00007' ORDER BY metric, bucket LIMIT 10`,
      ),
    );
    out(
      await query(
        `SELECT sum(samples) AS values_received, (SELECT count() FROM ${db}.device_metrics) AS rows_stored FROM ${db}.device_metrics_hourly_v`,
      ),
    );
    out('');
    out('A few answers from the analyst guide (docs/analyst-guide.md), over every kind:');
    await worker.clickhouse.command({ query: `USE ${db}` });
    const guide = guideQueries();
    for (const [title, name, params] of DEMO_ANSWERS) {
      const sql = guide.get(name)?.sql;
      if (!sql) continue;
      out('');
      out(`${title} (${name}):`);
      out(
        await query(`SELECT * FROM (${bindParams(sql, params)}) LIMIT 8`).catch(
          (error: Error) => `  (could not run: ${error.message.split('\n')[0]})`,
        ),
      );
    }
    const report = resolve(options.report);
    const f = config.filter;
    const settings = {
      store: f.store,
      snapshotIntervalS: f.snapshotIntervalS,
      changeThreshold: f.changeThreshold,
      zeroFloor: f.zeroFloor,
      storePrevious: f.storePrevious,
    };
    writeFileSync(
      report,
      renderDemoReport(await reportSeries(worker, db, fleet, count), { ...s, seconds }, settings, await rollupHours(worker, db)),
    );
    await worker.stop();
    out('');
    out(`Report: ${report} (open it in a browser: every received value against what the filter stored)`);
    out(
      `Explore: CLICKHOUSE_EMBEDDED_PATH=${join('data', 'demo', 'clickhouse')} npx sift query "SELECT reason, count() FROM device_metrics GROUP BY reason"`,
    );
    return 0;
  } finally {
    await nats.stop();
  }
}
