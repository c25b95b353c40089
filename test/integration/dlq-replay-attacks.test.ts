import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { siftOk } from '../helpers/cli.js';

/** Dead letters forged by whoever may publish to the dead-letter stream, aimed at genuine ones. */
describe('sift dlq replay against forged originals', () => {
  let t: SiftTestEnv;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  const dlqSeqs = async () => {
    const info = await jsm.streams.info(t.config.nats.dlqStream);
    return { first: info.state.first_seq, last: info.state.last_seq, messages: info.state.messages };
  };
  const telemetryMessage = (seq: number) => jsm.streams.getMessage(t.config.nats.stream, { seq });
  const forge = async (kind: string, headers: Record<string, string>, body: string) => {
    const h = natsHeaders();
    h.set(DEAD_LETTER_HEADERS.reason, 'schema');
    h.set(DEAD_LETTER_HEADERS.stream, t.config.nats.stream);
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    return (await js.publish(`${t.config.nats.dlqSubjectPrefix}.${kind}`, body, { headers: h })).seq;
  };
  /** Publishes `body` to the telemetry subject and has a worker dead-letter it. */
  const deadLettered = async (subject: string, body: string, before?: (seq: number, stored: string) => Promise<void>) => {
    const seq = (await js.publish(subject, body)).seq;
    const stored = (await telemetryMessage(seq))!.subject;
    await before?.(seq, stored);
    const worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
    await worker.stop();
    return { seq, stored };
  };

  beforeAll(async () => {
    t = await siftTestEnv();
    js = jetstream(t.nc);
    jsm = await jetstreamManager(t.nc);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("a forged dead letter naming a genuine one's original replays its own body at most, and never costs the genuine one", async () => {
    const genuineBody = '{"metrics":{"a":"genuine"}}';
    let forged = 0;
    const { seq, stored } = await deadLettered('telemetry.metrics.boiler-1', genuineBody, async (original, storedSubject) => {
      // Filed before the genuine dead letter, so replay meets it first.
      forged = await forge(
        'metrics',
        { [DEAD_LETTER_HEADERS.subject]: storedSubject, [DEAD_LETTER_HEADERS.sequence]: String(original) },
        '{"metrics":{"a":"forged"}}',
      );
    });
    const { last } = await dlqSeqs();
    expect(last).toBe(forged + 1);
    const before = (await jsm.streams.info(t.config.nats.stream)).state.last_seq;

    const out = await siftOk(['dlq', 'replay', '--kind', 'metrics'], t.env);
    const after = (await jsm.streams.info(t.config.nats.stream)).state.last_seq;
    const replayed: string[] = [];
    for (let s = before + 1; s <= after; s++) replayed.push((await telemetryMessage(s))!.string());
    // The forged body may go out (its sender could file it under a sequence of its own), but the
    // genuine dead letter is neither removed as its duplicate nor lost: it is replayed or kept.
    expect(out).not.toContain(`removed ${forged + 1}:`);
    const kept = await jsm.streams.getMessage(t.config.nats.dlqStream, { seq: forged + 1 }).catch(() => null);
    expect(replayed.includes(genuineBody) || kept?.string() === genuineBody, out).toBe(true);
    expect(stored).toMatch(/^telemetry\.metrics\.\d+\.boiler-1$/);
    expect(seq).toBeGreaterThan(0);
  });

  it('a producer body holding CR/LF cannot add or replace a dead letter header', async () => {
    const sneaky = 'x\r\nSift-Original-Subject: telemetry.api.0.victim\r\nSift-Original-Sequence: 1';
    const { seq, stored } = await deadLettered('telemetry.metrics.boiler-2', JSON.stringify({ metrics: { [sneaky]: 'nan' } }));
    // The worker also dead-letters what the replay above sent again, in either order: find this one by its body.
    const { first, last } = await dlqSeqs();
    const letters = [];
    for (let s = first; s <= last; s++) {
      const m = await jsm.streams.getMessage(t.config.nats.dlqStream, { seq: s }).catch(() => null);
      if (m?.string().includes('Sift-Original-Subject')) letters.push(m);
    }
    expect(letters).toHaveLength(1);
    const letter = letters[0]!;
    expect(letter.header!.values(DEAD_LETTER_HEADERS.subject)).toEqual([stored]);
    expect(letter.header!.values(DEAD_LETTER_HEADERS.sequence)).toEqual([String(seq)]);
    for (const [, values] of letter.header!) for (const v of values) expect(v).not.toMatch(/[\r\n]/);
  });

  it('a forged original sequence of another kind, or another stream, is refused and kept', async () => {
    await jsm.streams.purge(t.config.nats.dlqStream);
    const api = (await js.publish('telemetry.api.svc', '{"method":"GET","endpoint":"/x","status":200,"duration_ms":1}')).seq;
    const apiStored = (await telemetryMessage(api))!.subject;
    const forgedSeqs = [
      // An api original claimed by a metrics dead letter, with a privacy header so replay fetches it.
      await forge(
        'metrics',
        {
          [DEAD_LETTER_HEADERS.subject]: apiStored.replace('.api.', '.metrics.'),
          [DEAD_LETTER_HEADERS.sequence]: String(api),
          [DEAD_LETTER_HEADERS.privacy]: 'rewritten',
        },
        '{}',
      ),
      await forge(
        'metrics',
        {
          [DEAD_LETTER_HEADERS.subject]: 'telemetry.metrics.0.dev',
          [DEAD_LETTER_HEADERS.sequence]: '1',
          [DEAD_LETTER_HEADERS.stream]: t.config.nats.dlqStream,
        },
        '{}',
      ),
    ];
    const before = (await jsm.streams.info(t.config.nats.stream)).state.last_seq;
    const out = await siftOk(['dlq', 'replay', '--kind', 'metrics'], t.env);
    for (const seq of forgedSeqs) expect(out).toMatch(new RegExp(`^refused ${seq}: `, 'm'));
    expect((await jsm.streams.info(t.config.nats.stream)).state.last_seq).toBe(before);
  });
});
