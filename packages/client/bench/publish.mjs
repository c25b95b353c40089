// Events per second one @sift/client publishes (validated, id'd, pipelined) against the ceiling:
// a bare pipelined JetStream publish loop with the same body, window and Nats-Msg-Id header, on
// the same nats-server and stream. Prints JSON {events_per_s, ceiling_events_per_s, ratio, ...}.
// Run after the root build: node packages/client/bench/publish.mjs [--events N] [--window W] [--rounds R] [--nats URL]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer } from '../../../dist/tools/nats-server.js';
import { loadConfig } from '../../../dist/config/load.js';
import { provision } from '../../../dist/sources/jetstream/provision.js';
import { createSiftClient } from '@sift/client';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, window: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' }, nats: { type: 'string' } } });
const N = Number(values.events);
const WINDOW = Number(values.window);
const ROUNDS = Number(values.rounds);
const KEYS = 1_000;
const body = (i) => ({ ts: 1_795_000_000_000 + i, metrics: { temp: 21.5 + (i % 7), rpm: 1200 }, labels: { site: 'north' } });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = values.nats ? undefined : await startNatsServer();
const url = values.nats ?? server.url;
const config = loadConfig({ env: { NATS_URL: url } });
const nc = await connect({ servers: url });
await provision(nc, config.nats);
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);
const prefix = config.nats.subjectPrefix;
const payloads = Array.from({ length: 7 }, (_, i) => JSON.stringify(body(i)));

async function ceiling() {
  await jsm.streams.purge(config.nats.stream);
  const run = `c${Date.now()}-`;
  const started = performance.now();
  await new Promise((resolve, reject) => {
    let next = 0, inFlight = 0, done = 0;
    const pump = () => {
      while (inFlight < WINDOW && next < N) {
        const i = next++;
        inFlight++;
        js.publish(`${prefix}.metrics.d-${i % KEYS}`, payloads[i % 7], { msgID: run + i }).then(() => {
          inFlight--;
          if (++done === N) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  return N / ((performance.now() - started) / 1000);
}

async function sdk() {
  await jsm.streams.purge(config.nats.stream);
  const spoolDir = mkdtempSync(join(tmpdir(), 'sift-client-bench-'));
  const client = await createSiftClient({ nc, subjectPrefix: prefix, spoolDir, maxInFlight: WINDOW, maxQueued: N + 1 });
  await client.ready();
  const started = performance.now();
  for (let i = 0; i < N; i++) client.metrics(`d-${i % KEYS}`, body(i % 7));
  const idle = await client.ready(120_000);
  const rate = N / ((performance.now() - started) / 1000);
  const stats = await client.close();
  rmSync(spoolDir, { recursive: true, force: true });
  if (!idle || stats.sent !== N || stats.spooled !== 0) throw new Error(`client run incomplete: ${JSON.stringify(stats)}`);
  return rate;
}

const ceilings = [], rates = [];
await ceiling(); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  ceilings.push(await ceiling());
  rates.push(await sdk());
}
const events_per_s = Math.round(median(rates));
const ceiling_events_per_s = Math.round(median(ceilings));
console.log(JSON.stringify({ events_per_s, ceiling_events_per_s, ratio: Number((events_per_s / ceiling_events_per_s).toFixed(3)), events: N, window: WINDOW, body_bytes: Buffer.byteLength(payloads[0]), rounds: ROUNDS, runs: { sdk: rates.map(Math.round), ceiling: ceilings.map(Math.round) } }));
await nc.close();
await server?.dispose();
