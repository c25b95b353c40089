import { rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type SiftConfig } from '../config/load.js';
import type { Logger } from '../telemetry/logger.js';
import { startNatsServer } from '../tools/nats-server.js';
import { Worker } from '../worker.js';
import { simulate } from './simulate.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { jetstream } from '@nats-io/jetstream';

export const demoHelp = `sift demo [--devices N] [--rounds N]

Runs the whole pipeline on this machine: starts a local nats-server (fetched if needed) on a free
port, simulates a device fleet, drains it through a worker into the embedded ClickHouse under
./data/demo, and prints what was stored. Explore it afterwards with:
  CLICKHOUSE_EMBEDDED_PATH=./data/demo/clickhouse npx sift query "SELECT * FROM device_metrics LIMIT 10"`;

const BAD_INPUT: Array<[subject: string, body: string]> = [
  ['metrics.dev-00000', 'not json at all'],
  ['metrics.dev-00001', '{"metrics": {"temperature": "hot"}}'],
  ['metrics.dev-00002', '{"metrics": {"temperature": 1e999}}'],
  ['metrics.dev-00003', '{"device_id": "someone-else", "metrics": {"temperature": 20}}'],
  ['doorbell.dev-00004', '{"rang": true}'],
];

export async function runDemo(logger: Logger, options: { devices: number; rounds: number }, out: (line: string) => void): Promise<number> {
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
    out(`simulating ${options.devices} devices × ${options.rounds} readings, 10 s apart in event time (${count} messages)…`);
    await simulate(config, { devices: options.devices, count, rate: 0, seed: 42, intervalS: 10, startMs: undefined });
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
    out(`stored         ${s.storedMessages} messages as ${s.storedRows} rows (${((100 * s.storedMessages) / Math.max(1, s.received - s.deadLettered)).toFixed(1)} % of valid messages)`);
    out(`  by reason    ${Object.entries(s.storedByReason).map(([k, v]) => `${k} ${v}`).join(', ')} (rows)`);
    out(`filtered out   ${s.filteredOut} messages`);
    out(`dead-lettered  ${s.deadLettered} messages (${Object.entries(s.deadLetteredByReason).map(([k, v]) => `${k} ${v}`).join(', ')}) → stream ${config.nats.dlqStream}`);
    out('');
    out('What the filter kept for one device (device_metrics):');
    out(await query(`SELECT ts, metric, value, reason FROM ${db}.device_metrics WHERE device_id = 'dev-00007' AND metric IN ('temperature', 'cpu_pct') ORDER BY metric, ts LIMIT 12`));
    out('');
    out('Hourly rollup of every received value (device_metrics_hourly_v):');
    out(await query(`SELECT bucket, device_id, metric, samples, round(min, 2) AS min, round(max, 2) AS max, round(avg, 2) AS avg, last FROM ${db}.device_metrics_hourly_v WHERE device_id = 'dev-00007' ORDER BY metric, bucket LIMIT 10`));
    out(await query(`SELECT sum(samples) AS values_received, (SELECT count() FROM ${db}.device_metrics) AS rows_stored FROM ${db}.device_metrics_hourly_v`));
    await worker.stop();
    out('');
    out(`Explore: CLICKHOUSE_EMBEDDED_PATH=${join('data', 'demo', 'clickhouse')} npx sift query "SELECT reason, count() FROM device_metrics GROUP BY reason"`);
    return 0;
  } finally {
    await nats.stop();
  }
}
