// Sift's own per-message work without NATS or ClickHouse: decode, validate, filter, rollup and
// row building for the device-metrics scenario. Prints microseconds per message (best of 5).
// Usage: npm run -s build && node bench/hot-path.mjs [messages]
import { Fleet } from '../dist/simulate/fleet.js';
import { DeviceMetricsHandler } from '../dist/kinds/metrics/handler.js';
import { PartitionBatch } from '../dist/pipeline/partition-batch.js';
import { filterSettings } from '../dist/transforms/device-filter/device-filter.js';
import { loadConfig } from '../dist/config/load.js';
import { eventTimeWindow } from '../dist/contract/config.js';

const count = Number(process.argv[2] ?? 200_000);
const fleet = new Fleet({ devices: 2_000, seed: 1, intervalS: 10, startMs: Date.parse('2026-01-01T00:00:00Z') });
const encoder = new TextEncoder();
const messages = Array.from({ length: count }, (_, seq) => {
  const { deviceId, body } = fleet.nextReading();
  // Arrival a second after the event time, as from a live fleet.
  return { key: deviceId, data: encoder.encode(JSON.stringify(body)), seq: seq + 1, arrivalMs: Date.parse(body.ts) + 1_000 };
});
// FILTER_OVERRIDES in the environment measures the per-metric rule lookup too.
const config = loadConfig({ env: { FILTER_OVERRIDES: process.env.FILTER_OVERRIDES ?? '[]' } });
const settings = filterSettings(config.filter);
const window = eventTimeWindow(config.eventTime);
const best = [];
// biome-ignore lint/correctness/noUnusedVariables: summed so every round walks the insert rows, as a commit does
let rows = 0;
for (let round = 0; round < 5; round++) {
  const handler = new DeviceMetricsHandler(settings, window);
  let batch = new PartitionBatch();
  const started = process.hrtime.bigint();
  for (const m of messages) {
    batch.kind = 'metrics';
    const result = handler.accept({ key: m.key, data: m.data, seq: m.seq, arrivalMs: () => m.arrivalMs }, batch);
    if (result.type === 'dead_letter') throw new Error(`message ${m.seq} was refused: ${result.detail}`);
    batch.handled(m.seq, 'metrics', result);
    if (++batch.messages >= 20_000) {
      for (const { rows: list } of batch.insertTables()) rows += list.length;
      batch = new PartitionBatch();
    }
  }
  for (const { rows: list } of batch.insertTables()) rows += list.length;
  best.push(Number(process.hrtime.bigint() - started) / 1e3 / count);
}
console.log(
  JSON.stringify({
    messages: count,
    microsecondsPerMessage: Number(Math.min(...best).toFixed(2)),
    rounds: best.map((b) => Number(b.toFixed(2))),
  }),
);
