// Scale-out and takeover figures on one machine. Usage: npm run -s build && node bench/scale-out.mjs [messages]
// 1. Drain throughput with 1, 2 and 3 `sift worker --until-idle` processes sharing the partitions
//    (each with its own embedded ClickHouse directory: one engine binds one directory per process).
// 2. Takeover time: two workers at a steady publish rate; one is killed with SIGKILL; publishing stops a
//    second later; the time from the kill until every partition is drained and acked again (the killed
//    worker's only after another took them over), with the default pin TTL and heartbeat.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer } from '../dist/tools/nats-server.js';
import { loadConfig } from '../dist/config/load.js';
import { connectNats } from '../dist/sources/jetstream/connect.js';
import { provision } from '../dist/sources/jetstream/provision.js';
import { consumerName } from '../dist/sources/jetstream/subjects.js';
import { simulate } from '../dist/simulate/publish.js';

const messages = Number(process.argv[2] ?? 300_000);
const main = new URL('../dist/cli/main.js', import.meta.url).pathname;

function worker(env, args) {
  const child = spawn(process.execPath, [main, 'worker', ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, done: new Promise((resolve) => child.on('close', resolve)) };
}

async function setup(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sift-scale-'));
  const nats = await startNatsServer({ storeDir: join(dir, 'nats') });
  const env = { NATS_URL: nats.url, CLICKHOUSE_URL: '', METRICS_PORT: '0', ...extra };
  const config = loadConfig({ env: { ...process.env, ...env } });
  const nc = await connectNats(config.nats, 'scale');
  await provision(nc, config.nats);
  return { dir, nats, env, config, nc };
}

async function drain(workers) {
  const s = await setup();
  await simulate(s.config, {
    devices: 5_000,
    count: messages,
    rate: 0,
    seed: 1,
    intervalS: 10,
    startMs: Date.now() - (messages / 5_000) * 10_000,
    window: 4_096,
  });
  const started = performance.now();
  const runs = Array.from({ length: workers }, (_, i) =>
    worker({ ...s.env, CLICKHOUSE_EMBEDDED_PATH: join(s.dir, `ch-${i}`) }, ['--until-idle']),
  );
  await Promise.all(runs.map((r) => r.done));
  const seconds = (performance.now() - started) / 1000;
  await s.nc.close();
  await s.nats.dispose();
  rmSync(s.dir, { recursive: true, force: true });
  return Math.round(messages / seconds);
}

async function takeover() {
  const s = await setup();
  const { config, nc } = s;
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const a = worker({ ...s.env, CLICKHOUSE_EMBEDDED_PATH: join(s.dir, 'ch-a') }, []);
  const b = worker({ ...s.env, CLICKHOUSE_EMBEDDED_PATH: join(s.dir, 'ch-b') }, []);
  let publishing = true;
  const publisher = (async () => {
    for (let i = 0; publishing; i++) {
      await js.publish(`${config.nats.subjectPrefix}.metrics.dev-${i % 2_000}`, JSON.stringify({ metrics: { v: i } }));
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  await new Promise((r) => setTimeout(r, 15_000));
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  // Keep publishing for a second, then wait until every partition is drained and acked: the killed
  // worker's partitions only once another worker has taken them over.
  await new Promise((r) => setTimeout(r, 1_000));
  publishing = false;
  await publisher;
  let recovered;
  for (;;) {
    let idle = true;
    for (let p = 0; p < config.nats.partitions && idle; p++) {
      const info = await jsm.consumers.info(config.nats.stream, consumerName(config.nats.consumer.prefix, p));
      idle = info.num_pending + info.num_ack_pending === 0;
    }
    if (idle) {
      recovered = (Date.now() - killedAt) / 1000;
      break;
    }
    if (Date.now() - killedAt > 120_000) {
      recovered = Number.NaN;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  b.child.kill('SIGTERM');
  await b.done;
  await nc.close();
  await s.nats.dispose();
  rmSync(s.dir, { recursive: true, force: true });
  return { seconds: recovered, pinnedTtlMs: config.nats.consumer.pinnedTtlMs, heartbeatMs: config.nats.consumer.heartbeatMs };
}

const result = { messages, drain: {} };
for (const n of [1, 2, 3]) {
  result.drain[n] = await drain(n);
  console.error(`${n} worker(s): ${result.drain[n]} msg/s`);
}
result.takeover = await takeover();
console.error(`takeover after SIGKILL: ${result.takeover.seconds} s`);
console.log(JSON.stringify(result));
