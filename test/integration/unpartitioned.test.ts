import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';

/** Dead letters by the original sequence they name, with their reason. */
async function deadLetters(jsm: JetStreamManager, stream: string): Promise<Map<number, string>> {
  const info = await jsm.streams.info(stream);
  const found = new Map<number, string>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg) found.set(Number(msg.header!.get(DEAD_LETTER_HEADERS.sequence)), msg.header!.get(DEAD_LETTER_HEADERS.reason));
  }
  return found;
}

describe('messages the stream stores without a partition (a literal wildcard in the subject)', () => {
  let t: SiftTestEnv;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    t = await siftTestEnv();
    jsm = await jetstreamManager(t.nc);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('are dead-lettered once as bad_subject, across a restart, and counted', async () => {
    const star = await t.publish('telemetry.metrics.*', '{"metrics":{"a":1}}');
    await t.publish('telemetry.metrics.dev-1', '{"metrics":{"a":1}}');
    const first = await Worker.start(t.config, testLogger);
    await first.untilIdle();
    expect(first.stats.snapshot().deadLetteredByReason).toEqual({ bad_subject: 1 });
    const scraped = await first.metrics.registry.getSingleMetricAsString('sift_messages_dead_lettered_total');
    expect(scraped).toContain('kind="metrics",reason="bad_subject"} 1');
    await first.stop();
    expect(await deadLetters(jsm, t.config.nats.dlqStream)).toEqual(new Map([[star, 'bad_subject']]));

    // A restart long after the duplicate window dead-letters nothing twice; a new one, with ">", is found.
    await jsm.streams.update(t.config.nats.dlqStream, {
      ...(await jsm.streams.info(t.config.nats.dlqStream)).config,
      duplicate_window: 100_000_000,
    });
    await new Promise((r) => setTimeout(r, 200));
    const fwc = await t.publish('telemetry.metrics.>', '{"metrics":{"a":2}}');
    const second = await Worker.start(t.config, testLogger);
    await second.untilIdle();
    expect(await deadLetters(jsm, t.config.nats.dlqStream)).toEqual(
      new Map([
        [star, 'bad_subject'],
        [fwc, 'bad_subject'],
      ]),
    );
    // Later ones of both shapes, beside those already swept, are dead-lettered once each.
    const later = [
      await t.publish('telemetry.metrics.*', '{}'),
      await t.publish('telemetry.metrics.dev-2', '{"metrics":{"a":1}}'),
      await t.publish('telemetry.metrics.>', '{}'),
    ];
    await new Promise((r) => setTimeout(r, 200));
    await second.untilIdle();
    await second.stop();
    expect(await deadLetters(jsm, t.config.nats.dlqStream)).toEqual(
      new Map([
        [star, 'bad_subject'],
        [fwc, 'bad_subject'],
        [later[0]!, 'bad_subject'],
        [later[2]!, 'bad_subject'],
      ]),
    );
  });
});
