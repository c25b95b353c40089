// One partition's take() path without NATS or ClickHouse: client JsMsg -> the source's SourceMessage
// -> PartitionPipeline.take (ack-subject read, subject parse, routing, metrics handler, batch). Prints µs and bytes allocated per message.
// Bytes come from used-heap deltas over rounds in which no GC ran (a young generation big enough
// to hold a round); a round with a GC is left out of the byte figure.
// Usage: npm run -s build && node --max-semi-space-size=256 bench/take-allocations.mjs [messages]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Fleet } from '../dist/simulate/fleet.js';
import { DeviceMetricsHandler } from '../dist/kinds/metrics/handler.js';
import { PartitionPipeline } from '../dist/pipeline/partition-pipeline.js';
import { ResultEffects } from '../dist/pipeline/result-effects.js';
import { SourceMessage } from '../dist/sources/jetstream/partition-source.js';
import { BatchPolicy } from '../dist/batch/batch-policy.js';
import { PipelineStats } from '../dist/telemetry/pipeline-stats.js';
import { filterSettings } from '../dist/transforms/device-filter/device-filter.js';
import { loadConfig } from '../dist/config/load.js';
import { eventTimeWindow } from '../dist/contract/config.js';

const require = createRequire(import.meta.url);
const { toJsMsg } = require(join(dirname(require.resolve('@nats-io/jetstream')), 'jsmsg.js'));

const count = Number(process.argv[2] ?? 20_000);
const fleet = new Fleet({ devices: 2_000, seed: 1, intervalS: 10, startMs: Date.parse('2026-01-01T00:00:00Z') });
const encoder = new TextEncoder();
const raw = Array.from({ length: count }, (_, i) => {
  const { deviceId, body } = fleet.nextReading();
  const stampNs = `${Date.parse(body.ts) + 1_000}000000`;
  return {
    subject: `telemetry.metrics.0.${deviceId}`,
    reply: `$JS.ACK.SIFT.sift-p000.1.${i + 1}.${i + 1}.${stampNs}.${count - i - 1}`,
    data: encoder.encode(JSON.stringify(body)),
    headers: undefined,
    size: () => 0,
  };
});
const config = loadConfig({ env: {} });
const settings = filterSettings(config.filter);
const window = eventTimeWindow(config.eventTime);
const log = { isLevelEnabled: () => false, debug() {}, error() {}, warn() {}, info() {} };

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });

const micros = [];
const bytes = [];
for (let round = 0; round < 7; round++) {
  const stats = new PipelineStats();
  const pipeline = new PartitionPipeline({
    policy: new BatchPolicy({ maxRows: 10 * count, maxBytes: 1e12, maxWaitMs: 3_600_000 }),
    handlers: new Map([['metrics', new DeviceMetricsHandler(settings, window)]]),
    maxMsgBytes: 1 << 20,
    inserts: { whenFree() {} },
    effects: new ResultEffects({
      deadLetters: { publish: () => Promise.resolve(true) },
      stats,
      kindLabel: (kind) => kind ?? 'unknown',
      log,
    }),
    stats,
    hold: { epoch: 0, storedThrough: 0 },
    log,
  });
  // Fresh client messages each round, as from the wire (the client caches its parse per message).
  const messages = raw.map((m) => toJsMsg(m));
  await new Promise((r) => setTimeout(r, 10));
  const gcsBefore = gcs;
  const heapBefore = v8.getHeapStatistics().used_heap_size;
  const started = process.hrtime.bigint();
  for (const msg of messages) {
    const turn = pipeline.take(new SourceMessage(msg));
    if (turn) await turn;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e3 / count;
  const heapAfter = v8.getHeapStatistics().used_heap_size;
  await new Promise((r) => setTimeout(r, 10));
  micros.push(elapsed);
  if (gcs === gcsBefore) bytes.push((heapAfter - heapBefore) / count);
  clearTimeout(pipeline.timer);
  pipeline.timer = undefined;
}
const median = (list) => (list.length ? [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] : undefined);
console.log(
  JSON.stringify({
    messages: count,
    microsecondsPerMessage: Number(median(micros).toFixed(2)),
    bytesPerMessage: bytes.length ? Math.round(median(bytes)) : 'every round had a GC: raise --max-semi-space-size',
    roundsWithoutGc: bytes.length,
    rounds: micros.map((m) => Number(m.toFixed(2))),
  }),
);
