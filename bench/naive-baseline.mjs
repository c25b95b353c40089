// What the systems Sift replaces do: one explicit ack per message and one insert per stored message.
// Usage: node bench/naive-baseline.mjs <messages>, with NATS_URL, STREAM_NAME, CLICKHOUSE_EMBEDDED_PATH set.
// Prints {"messages": n, "seconds": s}. Uses Sift's own decoding and filter, so only delivery differs.
import { jetstream, jetstreamManager, AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { loadConfig } from '../dist/config/load.js';
import { connectNats } from '../dist/sources/jetstream/connect.js';
import { createClickHouse } from '../dist/sinks/clickhouse/client.js';
import { migrate } from '../dist/sinks/clickhouse/migrations.js';
import { decodeDeviceMetrics } from '../dist/kinds/metrics/decode.js';
import { DeviceFilter, filterSettings } from '../dist/transforms/device-filter/device-filter.js';
import { DEVICE_METRICS, storedRows } from '../dist/kinds/metrics/rows.js';
import { eventTimeWindow } from '../dist/contract/config.js';

const count = Number(process.argv[2] ?? 20_000);
const config = loadConfig();
const nc = await connectNats(config.nats, 'bench-naive');
const jsm = await jetstreamManager(nc);
const client = await createClickHouse(config.clickhouse);
await migrate(client, { database: config.clickhouse.database, retentionDays: config.clickhouse.retentionDays });
const name = 'bench-naive';
await jsm.consumers.delete(config.nats.stream, name).catch(() => undefined);
await jsm.consumers.add(config.nats.stream, {
  durable_name: name,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  filter_subject: `${config.nats.subjectPrefix}.>`,
});
const consumer = await jetstream(nc).consumers.get(config.nats.stream, name);
const messages = await consumer.consume({ max_messages: 1_000 });
const filter = new DeviceFilter(filterSettings(config.filter));
const window = eventTimeWindow(config.eventTime);
let n = 0;
const started = performance.now();
for await (const msg of messages) {
  const key = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
  const decoded = decodeDeviceMetrics(msg.data, key, Math.floor(msg.info.timestampNanos / 1_000_000), window);
  if (decoded.ok) {
    for (const request of filter.process(decoded.value)) {
      await client.insert({
        table: `${config.clickhouse.database}.${DEVICE_METRICS.table}`,
        columns: DEVICE_METRICS.columns,
        values: storedRows(request, msg.seq),
        format: 'JSONCompactEachRow',
        clickhouse_settings: { async_insert: 0 },
      });
    }
  }
  msg.ack();
  if (++n === count) break;
}
const seconds = (performance.now() - started) / 1000;
messages.stop();
await jsm.consumers.delete(config.nats.stream, name).catch(() => undefined);
await client.close();
await nc.close();
process.stdout.write(JSON.stringify({ messages: n, seconds }) + '\n');
