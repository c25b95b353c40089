import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';
import { rows } from '../helpers/clickhouse.js';
import { faultyInserts, unknownCode } from '../helpers/faulty-clickhouse.js';

/** A label value ClickHouse is made to reject while the first worker runs (the cause that is later fixed). */
const REFUSED = 'refused-until-fixed';
const CLIENT_IP = '203.0.113.77';

describe('sift dlq replay cannot be steered, and dead letters keep PRIVACY', () => {
  let t: SiftTestEnv;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let worker: Worker | undefined;
  let rejectedSeq: number;
  let privateSeq: number;

  const db = () => t.config.clickhouse.database;
  const dlqMessages = async () => (await jsm.streams.info(t.config.nats.dlqStream)).state.messages;
  const dlqHeaders = async (seq: number) => (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
  /** Publishes a dead letter straight to the dead-letter stream, as anyone allowed to publish there could. */
  const forge = async (kind: string, original: string, body = '{"metrics":{"a":1}}', extra: Record<string, string> = {}) => {
    const h = natsHeaders();
    h.set(DEAD_LETTER_HEADERS.reason, 'schema');
    h.set(DEAD_LETTER_HEADERS.subject, original);
    h.set(DEAD_LETTER_HEADERS.stream, t.config.nats.stream);
    h.set(DEAD_LETTER_HEADERS.sequence, '1');
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    return (await js.publish(`${t.config.nats.dlqSubjectPrefix}.${kind}`, body, { headers: h })).seq;
  };

  beforeAll(async () => {
    t = await siftTestEnv({ PRIVACY: JSON.stringify({ api: { hash: ['client_ip'] } }), PRIVACY_SALT: 'pepper' });
    js = jetstream(t.nc);
    jsm = await jetstreamManager(t.nc);
    // The producer's own message id, as @sift/client sends one.
    rejectedSeq = (
      await js.publish(
        'telemetry.metrics.boiler-9',
        JSON.stringify({ ts: new Date().toISOString(), metrics: { a: 1 }, labels: { site: REFUSED } }),
        { msgID: 'evt-boiler-9-1' },
      )
    ).seq;
    privateSeq = await t.publish('telemetry.api.billing', {
      method: 'GET',
      endpoint: '/x',
      status: 42,
      duration_ms: 1,
      client_ip: CLIENT_IP,
    });
    await t.publish('telemetry.api.billing', `{"client_ip":"${CLIENT_IP}", not json`);
    const refused = (params: { values?: unknown }) => JSON.stringify(params.values ?? '').includes(REFUSED);
    const faulty = await Worker.start(t.config, testLogger, { wrapClickHouse: (c) => faultyInserts(c, refused, unknownCode) });
    await faulty.untilIdle();
    await faulty.stop();
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('files a dead letter with PRIVACY applied, its original sequence and the producer id; show prints no private field', async () => {
    expect(await dlqMessages()).toBe(3);
    const listed = await siftOk(['dlq', 'list'], t.env);
    for (let seq = 1; seq <= 3; seq++) {
      const shown = await siftOk(['dlq', 'show', String(seq)], t.env);
      expect(shown).not.toContain(CLIENT_IP);
    }
    expect(listed).not.toContain(CLIENT_IP);
    const letters = await Promise.all([1, 2, 3].map(dlqHeaders));
    const rejected = letters.find((m) => m.header!.get(DEAD_LETTER_HEADERS.sequence) === String(rejectedSeq))!;
    expect(rejected.header!.get(DEAD_LETTER_HEADERS.msgId)).toBe('evt-boiler-9-1');
    const api = letters.find((m) => m.header!.get(DEAD_LETTER_HEADERS.sequence) === String(privateSeq))!;
    expect(api.header!.get(DEAD_LETTER_HEADERS.privacy)).toBe('rewritten');
    expect(JSON.parse(api.string()).client_ip).toMatch(/^[0-9a-f]{64}$/);
    const notJson = letters.find((m) => m.header!.get(DEAD_LETTER_HEADERS.reason) === 'not_json')!;
    expect(notJson.header!.get(DEAD_LETTER_HEADERS.privacy)).toBe('withheld');
    expect(notJson.data.length).toBe(0);
    // The raw message stays findable in the source stream by the sequence the dead letter names.
    const original = await jsm.streams.getMessage(t.config.nats.stream, { seq: Number(api.header!.get(DEAD_LETTER_HEADERS.sequence)) });
    expect(original!.string()).toContain(CLIENT_IP);
  });

  it('refuses, counts and keeps forged dead letters: another kind, the journal, the JetStream API, wildcard and malformed keys', async () => {
    const journal = await jsm.streams.info('KV_sift-journal');
    const telemetry = (await jsm.streams.info(t.config.nats.stream)).state.last_seq;
    const forged = [
      await forge('metrics', 'telemetry.api.0.victim'),
      await forge('metrics', '$KV.sift-journal.0.p000', '{"owner":"attacker","epoch":99}'),
      await forge('metrics', '$JS.API.0.STREAM'),
      await forge('metrics', 'telemetry.metrics.0.*'),
      await forge('metrics', 'telemetry.metrics.0.>'),
      await forge('metrics', 'telemetry.metrics.0.a b'),
      await forge('metrics', 'telemetry.metrics.1.dev', '{}', { [DEAD_LETTER_HEADERS.stream]: 'KV_sift-journal' }),
    ];
    const before = await dlqMessages();
    const out = await siftOk(['dlq', 'replay', '--kind', 'metrics', '--since', '1m'], t.env);
    for (const seq of forged) expect(out).toMatch(new RegExp(`^refused ${seq}: `, 'm'));
    // The genuine dead letter is refused too, for now: its producer id is still in the duplicate window.
    expect(out).toMatch(/refused 8 \(kept in TELEMETRY_DLQ\)/);
    expect(out).toContain('the stream still remembers message id "evt-boiler-9-1" of the original');
    expect(out).toContain('names kind "api", but it was filed under kind "metrics"');
    expect(await dlqMessages()).toBe(before);
    expect((await jsm.streams.info(t.config.nats.stream)).state.last_seq).toBe(telemetry);
    expect((await jsm.streams.info('KV_sift-journal')).state.last_seq).toBe(journal.state.last_seq);
    for (const seq of forged) await jsm.streams.deleteMessage(t.config.nats.dlqStream, seq);
  });

  it('replays a message dead-lettered twice once, under the producer id, and it is stored once', async () => {
    // The same original dead-lettered again past the duplicate window (say, by a backfill): a second
    // dead letter with the same headers under another message id.
    const letters = await Promise.all([1, 2, 3].map(dlqHeaders));
    const first = letters.find((m) => m.header!.get(DEAD_LETTER_HEADERS.reason) === 'insert_rejected')!;
    const second = (await js.publish(first.subject, first.data, { headers: first.header, msgID: 'backfill-later' })).seq;
    // The original is no longer within the telemetry stream's duplicate window.
    await jsm.streams.update(t.config.nats.stream, {
      ...(await jsm.streams.info(t.config.nats.stream)).config,
      duplicate_window: 1_000_000_000,
    });
    await new Promise((r) => setTimeout(r, 1_500));

    const out = await siftOk(['dlq', 'replay', '--reason', 'insert_rejected'], t.env);
    expect(out).toContain('replayed 1 dead letter(s), removed 1 duplicate(s), refused 0');
    expect(out).toContain(`removed ${second}: a dead letter of the same original as ${first.seq}`);
    const last = (await jsm.streams.info(t.config.nats.stream)).state.last_seq;
    expect((await jsm.streams.getMessage(t.config.nats.stream, { seq: last }))!.header!.get('Nats-Msg-Id')).toBe('evt-boiler-9-1');
    expect(await siftOk(['dlq', 'replay', '--reason', 'insert_rejected'], t.env)).toContain('replayed 0 dead letter(s)');

    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
    const stored = await rows<{ n: number }>(
      worker.clickhouse,
      `SELECT count() AS n FROM ${db()}.device_metrics WHERE device_id = 'boiler-9'`,
    );
    expect(Number(stored[0]!.n)).toBeGreaterThan(0);
    const bySeq = await rows<{ seqs: number }>(
      worker.clickhouse,
      `SELECT uniqExact(stream_seq) AS seqs FROM ${db()}.device_metrics WHERE device_id = 'boiler-9'`,
    );
    expect(Number(bySeq[0]!.seqs)).toBe(1);
  });

  it('replays a body PRIVACY rewrote from the original in the stream', async () => {
    const before = (await jsm.streams.info(t.config.nats.stream)).state.last_seq;
    const out = await siftOk(['dlq', 'replay', '--kind', 'api', '--reason', 'schema'], t.env);
    expect(out).toContain('replayed 1 dead letter(s)');
    const replayed = (await jsm.streams.getMessage(t.config.nats.stream, { seq: before + 1 }))!;
    expect(replayed.subject).toMatch(/^telemetry\.api\.\d+\.billing$/);
    expect(JSON.parse(replayed.string()).client_ip).toBe(CLIENT_IP);
  });

  it('refuses a rewritten dead letter whose original is gone, and keeps it', async () => {
    const notJson = (await siftOk(['dlq', 'list', '--reason', 'not_json'], t.env)).trim().split('\n')[1]!.split(/\s+/)[0]!;
    const originalSeq = Number((await dlqHeaders(Number(notJson))).header!.get(DEAD_LETTER_HEADERS.sequence));
    await jsm.streams.deleteMessage(t.config.nats.stream, originalSeq);
    const result = await sift(['dlq', 'replay', '--reason', 'not_json'], t.env).done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `refused ${notJson}: its body was rewritten by PRIVACY or cut, and the original (sequence ${originalSeq} of TELEMETRY): it is no longer there`,
    );
    expect(await siftOk(['dlq', 'list', '--reason', 'not_json'], t.env)).toContain('not_json');
  });
});
