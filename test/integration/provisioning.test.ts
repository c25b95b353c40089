import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { provision, ProvisionConflictError } from '../../src/sources/jetstream/provision.js';
import { loadConfig } from '../../src/config/load.js';

describe('NATS provisioning', () => {
  let t: SiftTestEnv;
  beforeAll(async () => {
    t = await siftTestEnv({ PARTITIONS: '4' });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('creates the stream with the partition transform, the DLQ stream and one pinned AckAll consumer per partition', async () => {
    const jsm = await jetstreamManager(t.nc);
    const stream = await jsm.streams.info(t.config.nats.stream);
    expect(stream.config.subject_transform).toEqual({
      src: 'telemetry.*.*',
      dest: 'telemetry.{{wildcard(1)}}.{{partition(4,2)}}.{{wildcard(2)}}',
    });
    expect((await jsm.streams.info(t.config.nats.dlqStream)).config.subjects).toEqual(['telemetry-dlq.>']);
    const consumers = [];
    for await (const c of jsm.consumers.list(t.config.nats.stream)) consumers.push(c);
    expect(consumers.map((c) => c.name).sort()).toEqual(['sift-p000', 'sift-p001', 'sift-p002', 'sift-p003']);
    for (const c of consumers) {
      expect(c.config.ack_policy).toBe('all');
      expect(c.config.priority_policy).toBe('pinned_client');
      expect(c.config.priority_groups).toEqual(['sift']);
    }
  });

  it('stores each key always in the same partition, and refuses subjects of another shape', async () => {
    const js = jetstream(t.nc);
    const jsm = await jetstreamManager(t.nc);
    const first = await js.publish('telemetry.metrics.key-a', '{}');
    const second = await js.publish('telemetry.states.key-a', '{}');
    const a = (await jsm.streams.getMessage(t.config.nats.stream, { seq: first.seq }))!.subject.split('.');
    const b = (await jsm.streams.getMessage(t.config.nats.stream, { seq: second.seq }))!.subject.split('.');
    expect(a[2]).toBe(b[2]);
    expect([a[1], a[3], b[1], b[3]]).toEqual(['metrics', 'key-a', 'states', 'key-a']);
    await expect(js.publish('telemetry.metrics.2.key-a', '{}')).rejects.toThrow();
  });

  it('changes nothing when run again', async () => {
    const jsm = await jetstreamManager(t.nc);
    const before = await jsm.streams.info(t.config.nats.stream);
    const report = await provision(t.nc, t.config.nats);
    expect(report.created).toEqual([]);
    expect(report.unchanged).toHaveLength(2 + 4);
    const after = await jsm.streams.info(t.config.nats.stream);
    expect(after.created).toBe(before.created);
    expect(after.state.messages).toBe(before.state.messages);
  });

  it('gives the dead-letter stream DLQ_MAX_AGE_S, and brings an existing stream kept for ever up to date', async () => {
    const jsm = await jetstreamManager(t.nc);
    const fourteenDays = 14 * 24 * 3600 * 1_000_000_000;
    const dlq = await jsm.streams.info(t.config.nats.dlqStream);
    expect(dlq.config.max_age).toBe(fourteenDays);
    await jsm.streams.update(t.config.nats.dlqStream, { ...dlq.config, max_age: 0 });
    const report = await provision(t.nc, t.config.nats);
    expect(report.updated).toEqual([`stream ${t.config.nats.dlqStream} (max_age: has 0, wants ${fourteenDays})`]);
    expect((await jsm.streams.info(t.config.nats.dlqStream)).config.max_age).toBe(fourteenDays);
    const hour = loadConfig({ env: { ...t.env, DLQ_MAX_AGE_S: '3600', NODE_ENV: undefined } });
    await provision(t.nc, hour.nats);
    expect((await jsm.streams.info(t.config.nats.dlqStream)).config.max_age).toBe(3600 * 1_000_000_000);
    await provision(t.nc, t.config.nats);
  });

  it('reports a conflicting consumer and leaves it alone', async () => {
    const changed = loadConfig({ env: { ...t.env, CONSUMER_ACK_WAIT_MS: '9000', NODE_ENV: undefined } });
    await expect(provision(t.nc, changed.nats)).rejects.toThrow(ProvisionConflictError);
    await expect(provision(t.nc, changed.nats)).rejects.toThrow(
      /consumer TELEMETRY\/sift-p000 exists with a different configuration \(ack_wait/,
    );
    const jsm = await jetstreamManager(t.nc);
    expect((await jsm.consumers.info(t.config.nats.stream, 'sift-p000')).config.ack_wait).toBe(5_000_000_000);
  });
});
