import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { byteBoundedConsume, consumeWithPullLimits, heldMessages } from '../../src/sources/jetstream/pull-limits.js';
import { until } from '../helpers/until.js';

/** Reads `count` messages of a fresh consumer with the given limits; returns every pull the client sent. */
async function pullsFor(
  t: SiftTestEnv,
  name: string,
  count: number,
  limits: { messages: number; bytes: number },
  fixed: boolean,
  expires = 5_000,
) {
  const jsm = await jetstreamManager(t.nc);
  await jsm.consumers.add(t.config.nats.stream, {
    durable_name: name,
    ack_policy: AckPolicy.All,
    filter_subject: 'telemetry.>',
    max_ack_pending: 100_000,
  });
  const consumer = await jetstream(t.nc).consumers.get(t.config.nats.stream, name);
  // Without the fixed size, the client's own byte-bounded consume, for comparison.
  const { messages, fixedSize: patched } = fixed
    ? await consumeWithPullLimits(consumer, limits, { expires })
    : { messages: await consumer.consume(byteBoundedConsume(limits, undefined, expires)), fixedSize: false };
  const pulls: Array<{ batch: number; max_bytes: number }> = [];
  void (async () => {
    for await (const s of messages.status()) if (s.type === 'next') pulls.push(s.options as { batch: number; max_bytes: number });
  })();
  let n = 0;
  let bytes = 0;
  for await (const msg of messages) {
    bytes += msg.data.length;
    if (++n === count) {
      msg.ack();
      break;
    }
  }
  messages.stop();
  return { patched, pulls, n, bytes };
}

/**
 * A fresh consumer whose messages are all held (counted against the read-ahead, as the worker's
 * queue does) until `releaseAll`, which releases every one received so far and waits for the rest.
 */
async function holdingConsume(t: SiftTestEnv, name: string, total: number, limits: { messages: number; bytes: number }, expires: number) {
  const jsm = await jetstreamManager(t.nc);
  await jsm.consumers.add(t.config.nats.stream, {
    durable_name: name,
    ack_policy: AckPolicy.All,
    filter_subject: 'telemetry.>',
    max_ack_pending: 100_000,
  });
  const consumer = await jetstream(t.nc).consumers.get(t.config.nats.stream, name);
  let received = 0;
  let holding = true;
  let held: ReturnType<typeof heldMessages>;
  const { messages } = await consumeWithPullLimits(consumer, limits, {
    expires,
    callback: () => {
      received++;
      if (holding) held!.hold();
    },
  });
  held = heldMessages(messages);
  return {
    messages,
    held,
    received: () => received,
    releaseAll: async () => {
      const stalled = received;
      holding = false;
      for (let i = 0; i < stalled; i++) held!.release();
      await until(() => received === total, 'every message arrives once the held ones are released', 10_000);
      messages.stop();
    },
  };
}

describe('pull limits', () => {
  let t: SiftTestEnv;
  const count = 3_000;
  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '1' });
    const js = jetstream(t.nc);
    const body = JSON.stringify({ metrics: { cpu: 1.5 }, pad: 'x'.repeat(100) });
    for (let i = 0; i < count; i += 500)
      await Promise.all(Array.from({ length: 500 }, (_, k) => js.publish(`telemetry.metrics.d${i + k}`, body)));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('asks for many messages a pull, with the byte bound in every request', async () => {
    const limits = { messages: 1_000, bytes: 2 * 1024 * 1024 };
    const fixed = await pullsFor(t, 'fixed', count, limits, true);
    expect(fixed.patched).toBe(true);
    expect(fixed.n).toBe(count);
    // The first pull leaves with the client's own options, computed when the consume starts.
    const later = fixed.pulls.slice(1);
    expect(Math.max(...later.map((p) => p.batch))).toBeGreaterThan(500);
    for (const pull of later) expect(pull.max_bytes).toBe(limits.bytes);
    // The client's own byte-bounded pulls ask for 100 messages at a time: many more requests.
    const plain = await pullsFor(t, 'plain', count, limits, false);
    expect(plain.n).toBe(count);
    expect(Math.max(...plain.pulls.map((p) => p.batch))).toBeLessThanOrEqual(100);
    expect(fixed.pulls.length * 5).toBeLessThan(plain.pulls.length);
  });

  it('lets the server cut a pull by bytes, and still delivers everything', async () => {
    // Room for about 800 messages a pull: the byte bound, not the count, ends each request. (When
    // the client has nothing buffered as a request ends that way, it waits for two missed
    // heartbeats before pulling again: short pull expiry keeps this test short.)
    const limits = { messages: 2_000, bytes: 128 * 1024 };
    const small = await pullsFor(t, 'small', count, limits, true, 2_000);
    expect(small.n).toBe(count);
    expect(small.bytes).toBeGreaterThan(count * 100);
    expect(small.pulls.length).toBeGreaterThanOrEqual(Math.floor(small.bytes / limits.bytes));
  });

  it('pulls by the message count alone, also when the client resets its counts while messages are held', async () => {
    // Small messages against a small byte bound: the client's byte count soon falls under its threshold.
    const limits = { messages: 500, bytes: 128 * 1024 };
    const c = await holdingConsume(t, 'reset', count, limits, 5_000);
    const pulls: Array<{ batch: number }> = [];
    void (async () => {
      for await (const s of c.messages.status()) if (s.type === 'next') pulls.push(s.options as { batch: number });
    })();
    await until(() => c.received() >= limits.messages, 'a whole read-ahead arrives', 10_000);
    // What the client does on a reconnect: forget what is pending (the held messages too) and pull afresh.
    await (c.messages as unknown as { resetPending(): Promise<boolean> }).resetPending();
    await until(() => c.received() >= 2 * limits.messages, 'the pull after the reset arrives', 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    // The client's own byte check read its byte bound before the pulls were fixed. Once its byte
    // count fell under that bound it pulled after every message, for the read-ahead minus what
    // was pending: nothing, or less than nothing, with the held messages counted.
    for (const pull of pulls) expect(pull.batch).toBeGreaterThan(0);
    expect(c.received()).toBe(2 * limits.messages);
    await c.releaseAll();
  });

  it('pulls no more while the messages it handed over are held, and pulls again as they are released', async () => {
    const limits = { messages: 500, bytes: 2 * 1024 * 1024 };
    const c = await holdingConsume(t, 'held', count, limits, 5_000);
    expect(c.held).toBeDefined();
    // The client's first pull asks for its own default (100) before the bound is set; then up to 500.
    // Without the hold the client would pull again with 75 of its first 100 left, and read on to the end.
    await until(() => c.received() >= 100, 'the first pull arrives', 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(c.received()).toBeLessThanOrEqual(limits.messages);
    await c.releaseAll();
  });

  it('keeps holding through missed heartbeats: the silence is its own, and nothing more is pulled', async () => {
    const limits = { messages: 500, bytes: 2 * 1024 * 1024 };
    // Pulls expire after 1 s, so the client expects a heartbeat every 0.5 s and gives up on the
    // pull after two missed ones.
    const c = await holdingConsume(t, 'quiet', count, limits, 1_000);
    const missed: number[] = [];
    void (async () => {
      for await (const s of c.messages.status()) if (s.type === 'heartbeats_missed') missed.push(s.count as number);
    })();
    await until(() => c.received() >= 100, 'the first pull arrives', 10_000);
    await new Promise((r) => setTimeout(r, 3_000));
    // Without the quiet, the client forgot the held messages after two missed beats and pulled 500 more.
    expect(missed).toEqual([]);
    expect(c.received()).toBeLessThanOrEqual(limits.messages);
    await c.releaseAll();
  });
});
