import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig, type SiftConfig } from '../config/load.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { layoutOf, provision } from '../sources/jetstream/provision.js';
import { consumerName, partitionFilter, publishSubject } from '../sources/jetstream/subjects.js';
import { createClickHouse } from '../sinks/clickhouse/client.js';
import { Fleet } from '../simulate/fleet.js';
import { startNatsServer } from '../tools/nats-server.js';
import { packageRoot } from '../package-root.js';
import { WORKER_NODE_OPTIONS } from '../deploy/node-options.js';
import { processCpuSeconds } from '../telemetry/thread-cpu.js';
import { sleep } from '../util/timing.js';
import { preload } from './preload.js';
import { ceiling } from './ceiling.js';
import { pullLimits } from '../sources/jetstream/pull-limits.js';
import { kinds } from '../kinds/registry.js';

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** What the stream holds: device metrics only, api requests only, or every kind interleaved. */
export type BenchScenario = 'device-metrics' | 'api' | 'mixed';

export interface BenchOptions {
  scenario: BenchScenario;
  messages: number;
  devices: number;
  naiveMessages: number;
  latencySeconds: number;
  /** Sift runs over the same data; the median is reported (runs on a shared machine vary by a fifth). */
  siftRuns: number;
  log: (line: string) => void;
}

interface WorkerRun {
  messages: number;
  seconds: number;
  storedRows: number;
  storedMessages: number;
  maxRssBytes: number;
  /** Worker CPU (main thread, GC helpers, libuv) and the embedded engine's threads, seconds. */
  nodeCpuSeconds: number;
  engineCpuSeconds: number;
  /** The same when the first message came: start-up (module loading, the engine's library, migrations). */
  startNodeCpuSeconds: number;
  startEngineCpuSeconds: number;
  /** Resident memory backed by files at the end (mapped code), bytes. */
  rssFileBytes: number;
  /** nats-server's CPU over the run, per message (set by the bench, which runs the server). */
  natsCpuMicrosPerMessage?: number;
}

const siftMain = join(packageRoot, 'dist', 'cli', 'main.js');

/** Runs `sift worker` as its own process (its own embedded ClickHouse); parses its start and stop logs. */
export function runWorker(env: NodeJS.ProcessEnv, args: string[]): { stop(): void; done: Promise<WorkerRun> } {
  const child = spawn(process.execPath, [...WORKER_NODE_OPTIONS, siftMain, 'worker', ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let stopped: Record<string, number> | undefined;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    let newline;
    while ((newline = stderr.indexOf('\n')) >= 0) {
      const line = stderr.slice(0, newline);
      stderr = stderr.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg: string; time: number } & Record<string, number>;
      if (entry.msg === 'worker stopped') stopped = entry as Record<string, number>;
    }
  });
  const done = new Promise<WorkerRun>((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0 || !stopped) return reject(new Error(`sift worker exited ${code}: ${stderr.slice(-2000)}`));
      resolve({
        messages: stopped.received!,
        // First message taken to last batch acked: start-up and the idle check are not throughput.
        seconds: (stopped.lastAckedAt! - stopped.firstReceivedAt!) / 1000,
        storedRows: stopped.storedRows!,
        storedMessages: stopped.storedMessages!,
        maxRssBytes: stopped.maxRssBytes!,
        nodeCpuSeconds: stopped.nodeCpuSeconds ?? Number.NaN,
        engineCpuSeconds: stopped.engineCpuSeconds ?? Number.NaN,
        startNodeCpuSeconds: stopped.startNodeCpuSeconds ?? Number.NaN,
        startEngineCpuSeconds: stopped.startEngineCpuSeconds ?? Number.NaN,
        rssFileBytes: stopped.rssFileBytes ?? Number.NaN,
      });
    }),
  );
  return { stop: () => child.kill('SIGTERM'), done };
}

function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>)
        : reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

/** Publishes `rate` readings a second for `seconds`, each with ts = its publish time. */
async function publishSteadily(config: SiftConfig, nc: NatsConnection, rate: number, seconds: number, devices: number): Promise<void> {
  const js = jetstream(nc);
  const fleet = new Fleet({ devices, seed: 99, intervalS: 10, startMs: Date.now() });
  const layout = layoutOf(config.nats);
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const acks: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const { deviceId, body } = fleet.nextReading();
    body.ts = new Date().toISOString();
    acks.push(js.publish(publishSubject(layout, 'metrics', `lat-${deviceId}`), JSON.stringify(body)));
    if (acks.length >= 256) await Promise.all(acks.splice(0));
    const ahead = (i + 1) / rate - (performance.now() - started) / 1000;
    if (ahead > 0.002) await sleep(ahead * 1000);
  }
  await Promise.all(acks);
}

/** Publishes at a steady rate with ts = publish time while a worker runs; returns publish-to-insert quantiles. */
async function latency(
  config: SiftConfig,
  env: NodeJS.ProcessEnv,
  rate: number,
  seconds: number,
  devices: number,
): Promise<{ p50: number; p99: number; rows: number }> {
  const worker = runWorker(env, []);
  await sleep(3_000); // start-up: connect, migrate, take partitions
  const nc = await connectNats(config.nats, 'bench-latency');
  try {
    await publishSteadily(config, nc, rate, seconds, devices);
    await sleep(Number(env.BATCH_MAX_WAIT_MS ?? config.batch.maxWaitMs) + 2_000);
  } finally {
    worker.stop();
    await nc.close();
  }
  await worker.done;
  const client = await createClickHouse(config.clickhouse);
  const result = await client.query({
    query: `SELECT quantileExact(0.5)(d) AS p50, quantileExact(0.99)(d) AS p99, count() AS rows FROM
            (SELECT any(dateDiff('millisecond', ts, inserted_at)) AS d FROM ${config.clickhouse.database}.device_metrics
             WHERE startsWith(device_id, 'lat-') GROUP BY stream_seq)`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const [row] = await result.json<{ p50: number; p99: number; rows: number }>();
  await client.close();
  return { p50: Number(row!.p50), p99: Number(row!.p99), rows: Number(row!.rows) };
}

export interface BenchResult {
  scenario: string;
  date: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string };
  messages: number;
  devices: number;
  ceiling: { msgsPerSecond: number; singleConsumerMsgsPerSecond: number; natsCpuMicrosPerMessage: number };
  sift: {
    /** Node options the workers ran with, as deployed (see src/deploy/node-options.ts). */
    nodeOptions: string[];
    msgsPerSecond: number;
    runs: number[];
    rowsPerSecond: number;
    storedShare: number;
    peakRssMiB: number;
    /** Of the peak RSS, what mapped files (code) held at the end: shared and reclaimable. */
    rssFileMiB: number;
    ratioToCeiling: number;
    ratioToSingleConsumer: number;
    /** Main thread, GC helpers and libuv threads, per message (from /proc per-thread CPU). */
    workerCpuMicrosPerMessage: number;
    engineCpuMicrosPerMessage: number;
    /** The same from the first message on: without start-up, which a longer run spreads thinner. */
    workerCpuMicrosPerMessageAfterStart: number;
    engineCpuMicrosPerMessageAfterStart: number;
    /** nats-server's CPU per message during the median run: on a shared machine, CPU the worker cannot use. */
    natsCpuMicrosPerMessage: number;
  };
  naive: { messages: number; msgsPerSecond: number };
  filterBytesPerDeviceMetric: number;
  latency: { rate: number; p50Ms: number; p99Ms: number; rows: number; targetP99Ms: number };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const work = mkdtempSync(join(tmpdir(), 'sift-bench-'));
  const nats = await startNatsServer({ storeDir: join(work, 'nats') });
  let nc: NatsConnection | undefined;
  try {
    // The latency run uses the first Sift run's ClickHouse: a warm database, merging in the background.
    const env: NodeJS.ProcessEnv = {
      NATS_URL: nats.url,
      CLICKHOUSE_URL: '',
      CLICKHOUSE_EMBEDDED_PATH: join(work, 'sift-ch-0'),
      METRICS_PORT: '0',
    };
    const config = loadConfig({ env: { ...process.env, ...env } });
    nc = await connectNats(config.nats, 'bench');
    await provision(nc, config.nats);
    log(`preloading ${options.messages} messages of ${options.devices} devices…`);
    const loadStarted = performance.now();
    const kinds = options.scenario === 'api' ? ['api'] : options.scenario === 'mixed' ? kindsOfMix() : ['metrics'];
    await preload(nc, config, { devices: options.devices, seed: 1, intervalS: 10 }, options.messages, kinds);
    log(`  ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

    log('ceiling: bare consumers, one per partition, JSON.parse, AckAll per 10k…');
    const layout = layoutOf(config.nats);
    const filters = Array.from({ length: config.nats.partitions }, (_, p) => partitionFilter(layout, p));
    const { readAheadMessages, readAheadBytes } = config.nats.consumer;
    /** nats-server's CPU since `before` (its CPU seconds then), per message of `messages`. */
    const natsMicrosPerMessage = (before: number, messages: number) => ((processCpuSeconds(nats.pid) - before) * 1e6) / messages;
    const natsBefore = processCpuSeconds(nats.pid);
    const top = await ceiling(
      nc,
      config.nats.stream,
      filters,
      options.messages,
      pullLimits(readAheadMessages, readAheadBytes, filters.length),
    );
    const ceilingRate = top.messages / top.seconds;
    const ceilingNats = natsMicrosPerMessage(natsBefore, top.messages);
    log(`  ${Math.round(ceilingRate)} msg/s, nats-server ${ceilingNats.toFixed(1)} µs/msg`);
    log('single bare consumer over the whole stream…');
    const single = await ceiling(
      nc,
      config.nats.stream,
      [`${config.nats.subjectPrefix}.>`],
      options.messages,
      pullLimits(readAheadMessages, readAheadBytes, 1),
    );
    const singleRate = single.messages / single.seconds;
    log(`  ${Math.round(singleRate)} msg/s`);

    const runs: WorkerRun[] = [];
    const rateOf = (run: WorkerRun) => run.messages / run.seconds;
    const jsm = await jetstreamManager(nc);
    for (let i = 0; i < options.siftRuns; i++) {
      log(`sift, run ${i + 1} of ${options.siftRuns}: worker --until-idle over every partition…`);
      // Each run reads the whole stream again (fresh consumers) into a fresh ClickHouse.
      for (let p = 0; p < config.nats.partitions; p++)
        await jsm.consumers.delete(config.nats.stream, consumerName(config.nats.consumer.prefix, p)).catch(() => undefined);
      // and a fresh batch journal: the last run's would say every message is stored already, and it would skip them all.
      await jsm.streams.delete(`KV_${config.nats.consumer.prefix}-journal`).catch(() => undefined);
      const natsAtStart = processCpuSeconds(nats.pid);
      const run = await runWorker({ ...env, CLICKHOUSE_EMBEDDED_PATH: join(work, `sift-ch-${i}`) }, ['--until-idle']).done;
      // The server's CPU over the whole run (the worker's start-up and its journal included), per message.
      run.natsCpuMicrosPerMessage = natsMicrosPerMessage(natsAtStart, run.messages);
      runs.push(run);
      log(`  ${Math.round(rateOf(run))} msg/s, ${run.storedRows} rows, nats-server ${run.natsCpuMicrosPerMessage.toFixed(1)} µs/msg`);
    }
    const sorted = [...runs].sort((a, b) => rateOf(a) - rateOf(b));
    const sift = sorted[Math.floor(sorted.length / 2)]!;
    const siftRate = rateOf(sift);

    const cpuPerMessage = (sift.nodeCpuSeconds * 1e6) / sift.messages;
    const enginePerMessage = (sift.engineCpuSeconds * 1e6) / sift.messages;
    const cpuAfterStart = ((sift.nodeCpuSeconds - sift.startNodeCpuSeconds) * 1e6) / sift.messages;
    const engineAfterStart = ((sift.engineCpuSeconds - sift.startEngineCpuSeconds) * 1e6) / sift.messages;
    log(
      `  worker CPU ${cpuPerMessage.toFixed(1)} µs/msg (main thread and GC helpers), embedded engine ${enginePerMessage.toFixed(1)} µs/msg`,
    );
    log(`  from the first message on: worker ${cpuAfterStart.toFixed(1)} µs/msg, engine ${engineAfterStart.toFixed(1)} µs/msg`);

    // The naive baseline, filter memory and latency runs measure the device-metrics path.
    const metricsOnly = options.scenario === 'device-metrics';
    let naive: Record<string, number> = { messages: 0, seconds: 1 };
    let memory: Record<string, number> = { bytesPerDeviceMetric: Number.NaN };
    let lat = { p50: Number.NaN, p99: Number.NaN, rows: 0 };
    const rate = Math.max(1, Math.round(siftRate / 2));
    if (metricsOnly) {
      log(`naive baseline: an explicit ack per message and an insert per stored message, ${options.naiveMessages} messages…`);
      naive = await runScript(join(packageRoot, 'bench', 'naive-baseline.mjs'), [String(options.naiveMessages)], {
        ...env,
        CLICKHOUSE_EMBEDDED_PATH: join(work, 'naive-ch'),
      });
      log(`  ${Math.round(naive.messages! / naive.seconds!)} msg/s`);
      log('filter memory over 100,000 devices…');
      memory = await runScript(join(packageRoot, 'dist', 'bench', 'filter-memory.js'), [], {}, ['--expose-gc']);
      log(`latency at half load (${rate} msg/s for ${options.latencySeconds} s)…`);
      await jetstreamManager(nc); // connection still healthy before the latency run
      await nc.close();
      lat = await latency(config, env, rate, options.latencySeconds, Math.min(options.devices, 2_000));
      log(`  p50 ${lat.p50} ms, p99 ${lat.p99} ms over ${lat.rows} stored messages`);
    }
    const naiveRate = naive.messages! / naive.seconds!;

    return {
      scenario: options.scenario,
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      messages: options.messages,
      devices: options.devices,
      ceiling: {
        msgsPerSecond: Math.round(ceilingRate),
        singleConsumerMsgsPerSecond: Math.round(singleRate),
        natsCpuMicrosPerMessage: round1(ceilingNats),
      },
      sift: {
        nodeOptions: WORKER_NODE_OPTIONS,
        msgsPerSecond: Math.round(siftRate),
        rowsPerSecond: Math.round(sift.storedRows / sift.seconds),
        storedShare: sift.storedMessages / sift.messages,
        peakRssMiB: Math.round(Math.max(...runs.map((run) => run.maxRssBytes)) / 2 ** 20),
        rssFileMiB: Math.round(Math.max(...runs.map((run) => run.rssFileBytes)) / 2 ** 20),
        runs: runs.map((run) => Math.round(rateOf(run))),
        ratioToCeiling: siftRate / ceilingRate,
        ratioToSingleConsumer: siftRate / singleRate,
        workerCpuMicrosPerMessage: round1(cpuPerMessage),
        engineCpuMicrosPerMessage: round1(enginePerMessage),
        workerCpuMicrosPerMessageAfterStart: round1(cpuAfterStart),
        engineCpuMicrosPerMessageAfterStart: round1(engineAfterStart),
        natsCpuMicrosPerMessage: round1(sift.natsCpuMicrosPerMessage ?? Number.NaN),
      },
      naive: { messages: naive.messages!, msgsPerSecond: Math.round(naiveRate) },
      filterBytesPerDeviceMetric: Math.round(memory.bytesPerDeviceMetric!),
      latency: { rate, p50Ms: lat.p50, p99Ms: lat.p99, rows: lat.rows, targetP99Ms: config.batch.maxWaitMs + 500 },
    };
  } finally {
    // A client left open would reconnect to the stopped server for ever and keep a failed bench alive.
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
    await nats.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

export function benchTable(r: BenchResult): string {
  const x = (n: number) => `${n.toLocaleString('en-US')}`;
  const ratio = (n: number) => (n / r.ceiling.singleConsumerMsgsPerSecond).toFixed(2);
  return [
    `Scenario \`${r.scenario}\`: ${x(r.messages)} messages, ${r.scenario === 'device-metrics' ? `${x(r.devices)} devices × 5 metrics` : r.scenario === 'api' ? 'api requests of 50 services' : 'every kind interleaved'}; ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.date.slice(0, 10)}.`,
    '',
    '| run | msgs/s | vs partitioned ceiling | vs one consumer | notes |',
    '| --- | ---: | ---: | ---: | --- |',
    `| ceiling: bare consumers, one per partition (JSON.parse, AckAll per 10k) | ${x(r.ceiling.msgsPerSecond)} | 1.00 | ${ratio(r.ceiling.msgsPerSecond)} | the same reads as the worker, nothing else |`,
    `| ceiling: one bare consumer over the whole stream | ${x(r.ceiling.singleConsumerMsgsPerSecond)} | ${(r.ceiling.singleConsumerMsgsPerSecond / r.ceiling.msgsPerSecond).toFixed(2)} | 1.00 | the same reads without partitions (the server filters less) |`,
    `| sift worker | ${x(r.sift.msgsPerSecond)} | ${r.sift.ratioToCeiling.toFixed(2)} | ${ratio(r.sift.msgsPerSecond)} | median of ${r.sift.runs.length} runs (${x(Math.min(...r.sift.runs))}–${x(Math.max(...r.sift.runs))}); ${x(r.sift.rowsPerSecond)} rows/s inserted, ${(100 * r.sift.storedShare).toFixed(1)} % of messages stored, peak RSS ${r.sift.peakRssMiB} MiB (${r.sift.rssFileMiB} MiB of it mapped code; node ${r.sift.nodeOptions.join(' ')}); worker CPU ${r.sift.workerCpuMicrosPerMessage} µs/msg (${r.sift.workerCpuMicrosPerMessageAfterStart} from the first message on), engine ${r.sift.engineCpuMicrosPerMessage} µs/msg, nats-server ${r.sift.natsCpuMicrosPerMessage} µs/msg (ceiling run: ${r.ceiling.natsCpuMicrosPerMessage}) |`,
    ...(r.naive.messages === 0
      ? []
      : [
          `| naive baseline (explicit ack per message, one insert per stored message) | ${x(r.naive.msgsPerSecond)} | ${(r.naive.msgsPerSecond / r.ceiling.msgsPerSecond).toFixed(4)} | ${(r.naive.msgsPerSecond / r.ceiling.singleConsumerMsgsPerSecond).toFixed(4)} | ${x(r.naive.messages)}-message sample; Sift is ${Math.round(r.sift.msgsPerSecond / r.naive.msgsPerSecond)}× faster |`,
        ]),
    '',
    r.scenario !== 'device-metrics'
      ? ''
      : `Filter state: ${r.filterBytesPerDeviceMetric} bytes per tracked device-metric. End-to-end latency (publish to row stored) at ${x(r.latency.rate)} msg/s: p50 ${r.latency.p50Ms} ms, p99 ${r.latency.p99Ms} ms (target ≤ ${r.latency.targetP99Ms} ms) over ${x(r.latency.rows)} stored messages.`,
  ].join('\n');
}

export function saveBench(result: BenchResult): string {
  const dir = join(packageRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.date.slice(0, 19).replace(/[:]/g, '-')}-${result.scenario}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** Every registered kind that can be simulated: the mixed scenario's stream. */
export function kindsOfMix(): string[] {
  return ['metrics', ...kinds.filter((k) => k.simulator).map((k) => k.name)];
}
