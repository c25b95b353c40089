import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadConfig, type SiftConfig } from '../config/load.js';
import { startNatsServer } from '../tools/nats-server.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { provision } from '../sources/jetstream/provision.js';
import { consumerName } from '../sources/jetstream/subjects.js';
import { createClickHouse } from '../sinks/clickhouse/client.js';
import { seededRandom } from '../simulate/fleet.js';
import { packageRoot } from '../package-root.js';
import { WORKER_NODE_OPTIONS } from '../deploy/node-options.js';
import { simulate } from '../simulate/publish.js';

export const chaosDescription = `Kills workers with SIGKILL at random while they drain a backlog (and optionally restarts
nats-server), restarts them on the same data, then checks that every published message is stored
exactly once: in the raw table (count() = uniqExact(stream_seq) = messages) and in both rollups
(samples = values published), with every partition acked to its end. Uses its own nats-server and
embedded ClickHouse in a temporary directory. Exits 1 when a check fails.`;

export interface ChaosOptions {
  messages: number;
  devices: number;
  kills: number;
  /** Seconds a worker runs before it is killed: uniformly in [minRunS, maxRunS]. */
  minRunS: number;
  maxRunS: number;
  /** nats-server restarts, spread over the kills. */
  natsRestarts: number;
  partitions: number;
  seed: number;
  log(line: string): void;
}

export interface ChaosReport {
  messages: number;
  kills: number;
  natsRestarts: number;
  rawRows: number;
  storedSeqs: number;
  hourlySamples: number;
  dailySamples: number;
  valuesPublished: number;
  pendingAtEnd: number;
  seconds: number;
  ok: boolean;
  failures: string[];
}

const METRICS_PER_READING = 5;
const siftBin = join(packageRoot, 'dist', 'cli', 'main.js');

function runSift(args: string[], env: NodeJS.ProcessEnv): { kill(): void; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [...WORKER_NODE_OPTIONS, siftBin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { kill: () => child.kill('SIGKILL'), done };
}

/** The chaos run: preload, kill and restart workers, drain, check. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const started = performance.now();
  const random = seededRandom(o.seed);
  const nats = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), 'sift-chaos-'));
  const env: NodeJS.ProcessEnv = {
    NATS_URL: nats.url,
    CLICKHOUSE_URL: '',
    CLICKHOUSE_EMBEDDED_PATH: join(dir, 'clickhouse'),
    CLICKHOUSE_DATABASE: 'telemetry',
    PARTITIONS: String(o.partitions),
    // Every reading changes its byte counter by far more than this: every message is stored, so
    // "stored exactly once" reads as one row set per stream sequence.
    FILTER_CHANGE_THRESHOLD: '0.000001',
    BATCH_MAX_ROWS: '2000',
    CONSUMER_ACK_WAIT_MS: '5000',
    CONSUMER_PINNED_TTL_MS: '3000',
    WORKER_HEARTBEAT_MS: '500',
    METRICS_PORT: '0',
    ALERTS_ENABLED: 'false',
    EVENT_TIME_MAX_PAST_S: String(3650 * 86_400),
    RETENTION_DAYS: '3650',
    LOG_LEVEL: 'warn',
  };
  const config: SiftConfig = loadConfig({ env: { ...env, NODE_ENV: undefined } });
  const failures: string[] = [];
  let report: ChaosReport | undefined;
  try {
    const nc = await connectNats(config.nats, 'sift-chaos');
    await provision(nc, config.nats);
    await nc.close();
    o.log(`publishing ${o.messages} messages`);
    await simulate(config, {
      devices: o.devices,
      count: o.messages,
      rate: 0,
      seed: o.seed,
      intervalS: 10,
      startMs: Date.now() - 86_400_000,
    });
    const restartsAt = new Set(Array.from({ length: o.natsRestarts }, (_, i) => Math.floor(((i + 1) * o.kills) / (o.natsRestarts + 1))));
    for (let kill = 0; kill < o.kills; kill++) {
      const worker = runSift(['worker'], env);
      const runMs = (o.minRunS + random() * (o.maxRunS - o.minRunS)) * 1000;
      await new Promise((r) => setTimeout(r, runMs));
      if (restartsAt.has(kill)) {
        o.log(`restarting nats-server`);
        await nats.stop(true);
        await new Promise((r) => setTimeout(r, 500));
        await nats.restart();
      }
      worker.kill();
      const ended = await worker.done;
      if (ended.code !== null && ended.code !== 0)
        failures.push(`worker run ${kill + 1} exited ${ended.code} before it was killed: ${ended.stderr.split('\n').slice(-3).join(' ')}`);
      o.log(`killed worker ${kill + 1}/${o.kills} after ${(runMs / 1000).toFixed(1)} s`);
    }
    const drain = await runSift(['worker', '--until-idle'], env).done;
    if (drain.code !== 0) failures.push(`the draining worker exited ${drain.code}: ${drain.stderr.split('\n').slice(-3).join(' ')}`);

    const clickhouse = await createClickHouse(config.clickhouse);
    const one = async (sql: string) => {
      const result = await clickhouse.query({
        query: sql,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      const [row] = await result.json<{ n: number }>();
      return Number(row?.n ?? 0);
    };
    const db = config.clickhouse.database;
    const rawRows = await one(`SELECT count() AS n FROM ${db}.device_metrics`);
    const storedSeqs = await one(`SELECT uniqExact(stream_seq) AS n FROM ${db}.device_metrics`);
    const hourlySamples = await one(`SELECT sum(samples) AS n FROM ${db}.device_metrics_hourly_v`);
    const dailySamples = await one(`SELECT sum(samples) AS n FROM ${db}.device_metrics_daily_v`);
    await clickhouse.close();
    const check = await connectNats(config.nats, 'sift-chaos-check');
    const jsm = await jetstreamManager(check);
    let pendingAtEnd = 0;
    for (let p = 0; p < o.partitions; p++) {
      const info = await jsm.consumers.info(config.nats.stream, consumerName(config.nats.consumer.prefix, p));
      pendingAtEnd += info.num_pending + info.num_ack_pending;
    }
    await check.close();
    const valuesPublished = o.messages * METRICS_PER_READING;
    if (storedSeqs !== o.messages)
      failures.push(`${o.messages - storedSeqs} message(s) lost: ${storedSeqs} of ${o.messages} stream sequences have rows`);
    if (rawRows !== storedSeqs * METRICS_PER_READING)
      failures.push(
        `raw rows ${rawRows}, expected ${storedSeqs * METRICS_PER_READING} (one per metric of each stored message): ${rawRows - storedSeqs * METRICS_PER_READING} duplicated`,
      );
    if (hourlySamples !== valuesPublished) failures.push(`hourly rollup counted ${hourlySamples} values of ${valuesPublished} published`);
    if (dailySamples !== valuesPublished) failures.push(`daily rollup counted ${dailySamples} values of ${valuesPublished} published`);
    if (pendingAtEnd !== 0) failures.push(`${pendingAtEnd} message(s) still pending or unacked at the end`);
    report = {
      messages: o.messages,
      kills: o.kills,
      natsRestarts: o.natsRestarts,
      rawRows,
      storedSeqs,
      hourlySamples,
      dailySamples,
      valuesPublished,
      pendingAtEnd,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      ok: failures.length === 0,
      failures,
    };
    return report;
  } finally {
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
