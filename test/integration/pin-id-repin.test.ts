import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckPolicy, jetstream, jetstreamManager, StorageType, type ConsumerMessages, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { consumeWithPullLimits } from '../../src/sources/jetstream/pull-limits.js';
import { heldPinId } from '../../src/sources/jetstream/held-pin-id.js';
import { startNatsServer, type NatsServer } from '../../src/tools/nats-server.js';
import { until } from '../helpers/until.js';

// The patched client (patches/@nats-io+jetstream+*.patch) stops reading Nats-Pin-Id once it holds a
// pin id; a re-pin must still be seen and the new id sent with the next pulls.
describe('a pinned consumer re-pinned with a new id', () => {
  const stream = 'pin_repin';
  const name = 'pinned';
  const group = 'sift';
  let server: NatsServer;
  let nc: NatsConnection;
  let spy: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    spy = await connect({ servers: server.url });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: ['repin.>'], storage: StorageType.Memory });
    await jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.None,
      priority_groups: [group],
      priority_policy: 'pinned_client',
      priority_timeout: 60_000_000_000,
    });
  });
  afterAll(async () => {
    await spy?.close();
    await nc?.close();
    await server?.dispose();
  });

  const pinnedClientId = async (): Promise<string | undefined> => {
    const info = (await jsm.consumers.info(stream, name)) as unknown as {
      priority_groups?: Array<{ group: string; pinned_client_id?: string }>;
    };
    return info.priority_groups?.find((g) => g.group === group)?.pinned_client_id;
  };

  it('takes the new pin id and sends it with its pulls', async () => {
    // Every pull request as the server receives it, seen from a second connection.
    const pullIds: Array<string | undefined> = [];
    const requests = spy.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${name}`);
    void (async () => {
      for await (const m of requests) pullIds.push((m.json() as { id?: string }).id);
    })();
    await spy.flush();

    const consumer = await jetstream(nc).consumers.get(stream, name);
    // The id the client holds as it hands each message over (what PartitionSource begins a session by).
    const heldAt = new Map<string, string>();
    let received = 0;
    const { messages } = await consumeWithPullLimits(
      consumer,
      { messages: 100, bytes: 2 * 1024 * 1024 },
      {
        group,
        expires: 2_000,
        callback: (m) => {
          heldAt.set(m.subject, heldPinId(messages));
          received++;
        },
      },
    );
    const pins: string[] = [];
    let unpinned = 0;
    void (async () => {
      for await (const s of (messages as ConsumerMessages).status()) {
        if (s.type === 'consumer_pinned') pins.push(s.id);
        if (s.type === 'consumer_unpinned') unpinned++;
      }
    })();

    for (let i = 0; i < 20; i++) nc.publish(`repin.a.${i}`, 'x');
    await until(() => received === 20, 'the first 20 messages arrived', 10_000);
    expect(pins).toHaveLength(1);
    const first = pins[0]!;
    expect(await pinnedClientId()).toBe(first);
    await until(() => pullIds.includes(first), 'a pull carried the first pin id', 10_000);

    await jsm.consumers.unpin(stream, name, group);
    for (let i = 0; i < 20; i++) nc.publish(`repin.b.${i}`, 'x');
    await until(() => received === 40, 'the 20 messages after the re-pin arrived', 15_000);
    await until(() => pins.length === 2, 'the client took a second pin id', 10_000);
    const second = pins[1]!;
    expect(second).not.toBe(first);
    expect(unpinned).toBeGreaterThan(0);
    expect(await pinnedClientId()).toBe(second);
    // Each message was handed over under the pin it came with, the first of a new pin included.
    for (let i = 0; i < 20; i++) expect(heldAt.get(`repin.a.${i}`)).toBe(first);
    for (let i = 0; i < 20; i++) expect(heldAt.get(`repin.b.${i}`)).toBe(second);
    // The pulls after the re-pin carry the new id (the client re-pulls after a quarter of 100, so publish more).
    for (let i = 0; i < 100; i++) nc.publish(`repin.c.${i}`, 'x');
    await until(() => pullIds.includes(second), 'a pull carried the new pin id', 15_000);
    await until(() => received === 140, 'the messages after the re-pin kept arriving', 15_000);
    messages.stop();
  });
});
