import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { consumeWithPullLimits, type PullLimits } from '../sources/jetstream/pull-limits.js';
import { PULL_EXPIRES_MS } from '../sources/jetstream/partition-source.js';

/**
 * The ceiling: bare consumers with the same client that read every message, parse its JSON and
 * ack once per 10,000 (AckPolicy.All), nothing else. Given one filter per partition they read
 * concurrently, as the worker does; given one filter for the whole stream it is a single consumer.
 */
export async function ceiling(
  nc: NatsConnection,
  stream: string,
  filters: string[],
  count: number,
  pull: PullLimits,
): Promise<{ messages: number; seconds: number }> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const names = filters.map((_, i) => `bench-ceiling-${i}`);
  for (const [i, name] of names.entries()) {
    await jsm.consumers.delete(stream, name).catch(() => undefined);
    await jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filters[i],
      max_ack_pending: 100_000,
    });
  }
  const expected = await Promise.all(names.map(async (name) => (await jsm.consumers.info(stream, name)).num_pending));
  if (expected.reduce((a, b) => a + b, 0) !== count)
    throw new Error(`ceiling: the filters cover ${expected.reduce((a, b) => a + b, 0)} of ${count} messages`);
  const decoder = new TextDecoder();
  const started = performance.now();
  let progressAt = Date.now();
  const stalled = setInterval(() => {
    if (Date.now() - progressAt > 15_000) for (const m of iterators) m.stop(new Error('ceiling: no message for 15 s'));
  }, 1_000);
  const iterators: Array<Awaited<ReturnType<Awaited<ReturnType<typeof js.consumers.get>>['consume']>>> = [];
  const read = await Promise.all(
    names.map(async (name, i) => {
      let n = 0;
      let parsed = 0;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      // The worker's pull options (pipelined pulls bounded in messages and bytes that expire after
      // 5 s) and its way of reading: the client's callback.
      const { messages } = await consumeWithPullLimits(await js.consumers.get(stream, name), pull, {
        expires: PULL_EXPIRES_MS,
        callback: (msg) => {
          if (n === expected[i]) return;
          progressAt = Date.now();
          parsed += typeof JSON.parse(decoder.decode(msg.data)) === 'object' ? 1 : 0;
          if (++n % 10_000 === 0 || n === expected[i]) msg.ack();
          if (n === expected[i]) finish();
        },
      });
      iterators.push(messages);
      if (expected[i] === 0) finish();
      // A consume stopped early (the stall check) ends the wait; the count check below says so.
      const stopped = messages.closed().then((ended) => {
        if (ended instanceof Error) throw ended;
      });
      await Promise.race([done, stopped]);
      messages.stop();
      return parsed;
    }),
  ).finally(() => clearInterval(stalled));
  const seconds = (performance.now() - started) / 1000;
  for (const name of names) await jsm.consumers.delete(stream, name).catch(() => undefined);
  const messages = read.reduce((a, b) => a + b, 0);
  if (messages !== count) throw new Error(`ceiling parsed ${messages} of ${count}`);
  return { messages, seconds };
}
