// JetStream publish throughput with nats-server's default flush (sync_interval: 2 min) and with
// sync_interval: always (an fsync before every acknowledgement), on a single local nats-server
// with a file-store stream. Each round publishes 180-byte messages for a few seconds, once
// awaiting each acknowledgement and once with a window of acknowledgements in flight.
// Usage: npm run -s build && node bench/nats-sync.mjs [seconds per run] [rounds] [window]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { freePort, natsServerBinary } from '../dist/tools/nats-server.js';

const [seconds = 5, rounds = 3, window = 256] = process.argv.slice(2).map(Number);
const body = new Uint8Array(180).fill(0x78);

async function measure(sync) {
  const dir = mkdtempSync(join(tmpdir(), 'sift-nats-sync-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nats.conf'),
    `listen: 127.0.0.1:${port}\njetstream { store_dir: "${dir}/js"${sync ? ', sync_interval: always' : ''} }\n`,
  );
  const server = spawn(natsServerBinary(), ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
  try {
    let nc;
    for (let i = 0; !nc; i++)
      nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false }).catch((e) =>
        i > 100 ? Promise.reject(e) : new Promise((r) => setTimeout(r, 50)),
      );
    await (await jetstreamManager(nc)).streams.add({ name: 'SYNC_BENCH', subjects: ['bench.>'] });
    const js = jetstream(nc);
    const rates = {};
    for (const inFlight of [1, window]) {
      const until = performance.now() + seconds * 1000;
      const started = performance.now();
      let sent = 0;
      while (performance.now() < until) {
        await Promise.all(Array.from({ length: inFlight }, () => js.publish(`bench.${sent++ % 64}`, body)));
      }
      rates[inFlight] = Math.round(sent / ((performance.now() - started) / 1000));
    }
    await nc.close();
    return rates;
  } finally {
    server.kill();
    await new Promise((r) => server.once('close', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { default: [], always: [] };
for (let round = 0; round < rounds; round++) {
  results.default.push(await measure(false));
  results.always.push(await measure(true));
}
for (const [mode, runs] of Object.entries(results)) {
  const line = [1, window].map((w) => `${w} in flight: ${median(runs.map((r) => r[w]))} msg/s (runs ${runs.map((r) => r[w]).join(', ')})`);
  console.log(`${(mode === 'default' ? 'default flush' : 'sync_interval: always').padEnd(21)}  ${line.join('; ')}`);
}
