// The NATS client's own CPU per message when reading a JetStream backlog the way Sift does
// (consumeWithPullLimits), with a pinned priority-group consumer as provision.ts creates them and
// with a plain one. nats-server runs in its own process, so process.cpuUsage() is the client only.
// Acks are off (ack_policy none) so both variants measure reading alone.
// Usage: npm run -s build && node bench/pinned-consume.mjs [messages] [rounds] [--touch[=ack]]
//   --touch also reads msg.seq, msg.info.pending and msg.info.timestampNanos (the client's parse);
//   --touch=ack reads the same fields with Sift's parseAckSubject.
import { jetstream, jetstreamManager, AckPolicy, DeliverPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '../dist/tools/nats-server.js';
import { consumeWithPullLimits, pullLimits } from '../dist/sources/jetstream/pull-limits.js';
import { parseAckSubject } from '../dist/sources/jetstream/ack-subject.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const touch = process.argv.find((a) => a.startsWith('--touch'))?.slice(2) ?? false;
const count = Number(args[0] ?? 500_000);
const rounds = Number(args[1] ?? 3);
const stream = 'bench_pin';
const group = 'sift';

const server = await startNatsServer();
const nc = await connect({ servers: server.url });
try {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: ['bench.>'], storage: StorageType.Memory });
  const body = new TextEncoder().encode(JSON.stringify({ device: 'dev-00001', ts: '2026-01-01T00:00:00Z', temp: 21.5, rssi: -60 }));
  for (let i = 0; i < count; i++) {
    nc.publish(`bench.p${i % 16}`, body);
    if (i % 10_000 === 9_999) await nc.flush();
  }
  await nc.flush();
  while ((await jsm.streams.info(stream)).state.messages < count) await new Promise((r) => setTimeout(r, 100));

  const js = jetstream(nc);
  const limits = pullLimits(20_000, 64 * 1024 * 1024, 1);
  const results = { pinned: [], plain: [] };
  for (let round = 0; round < rounds; round++) {
    // Alternating which goes first keeps warm-up from favouring one variant.
    for (const variant of round % 2 === 0 ? ['pinned', 'plain'] : ['plain', 'pinned']) {
      const name = `${variant}_${round}`;
      const pinned = variant === 'pinned';
      await jsm.consumers.add(stream, {
        durable_name: name,
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.All,
        ...(pinned ? { priority_groups: [group], priority_policy: 'pinned_client', priority_timeout: 120_000_000_000 } : {}),
      });
      const consumer = await js.consumers.get(stream, name);
      const before = process.cpuUsage();
      const { messages } = await consumeWithPullLimits(consumer, limits, { group: pinned ? group : undefined, expires: 30_000 });
      let seen = 0;
      let sink = 0;
      for await (const msg of messages) {
        if (touch === 'touch') sink += msg.seq + msg.info.pending + (Math.floor(msg.info.timestampNanos / 1e6) % 7);
        else if (touch === 'touch=ack') {
          const d = parseAckSubject(msg.reply);
          sink += d.streamSequence + d.pending + (d.timestampMs % 7);
        }
        if (++seen === count) break;
      }
      const used = process.cpuUsage(before);
      results[variant].push((used.user + used.system) / count);
      await jsm.consumers.delete(stream, name);
      if (sink === -1) console.log(sink);
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const fmt = (list) => list.map((v) => Number(v.toFixed(2)));
  console.log(
    JSON.stringify({
      messages: count,
      touch,
      pinnedMicrosecondsPerMessage: Number(median(results.pinned).toFixed(2)),
      plainMicrosecondsPerMessage: Number(median(results.plain).toFixed(2)),
      pinnedRounds: fmt(results.pinned),
      plainRounds: fmt(results.plain),
    }),
  );
} finally {
  await nc.close();
  await server.dispose();
}
