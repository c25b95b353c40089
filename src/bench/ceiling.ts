import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * The ceiling: a bare consumer with the same client that reads every message, parses its JSON and
 * acks once per 10,000 (AckPolicy.All), nothing else. Returns messages per second.
 */
export async function ceiling(nc: NatsConnection, stream: string, subjects: string, count: number): Promise<{ messages: number; seconds: number }> {
  const jsm = await jetstreamManager(nc);
  const name = 'bench-ceiling';
  await jsm.consumers.delete(stream, name).catch(() => undefined);
  await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, filter_subject: subjects, max_ack_pending: 100_000 });
  const consumer = await jetstream(nc).consumers.get(stream, name);
  const messages = await consumer.consume({ max_messages: 10_000 });
  const decoder = new TextDecoder();
  let n = 0;
  let parsed = 0;
  const started = performance.now();
  for await (const msg of messages) {
    parsed += (JSON.parse(decoder.decode(msg.data)) as { metrics: object }).metrics ? 1 : 0;
    if (++n % 10_000 === 0 || n === count) msg.ack();
    if (n === count) break;
  }
  const seconds = (performance.now() - started) / 1000;
  messages.stop();
  await jsm.consumers.delete(stream, name).catch(() => undefined);
  if (parsed !== count) throw new Error(`ceiling parsed ${parsed} of ${count}`);
  return { messages: n, seconds };
}
