import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { faultyInserts, unknownCode } from '../helpers/faulty-clickhouse.js';

/** A label value ClickHouse is made to reject (the stand-in for any row the server refuses). */
const REFUSED = 'refused-by-clickhouse';

/** Every poison class found so far, each with the reason its dead letter must carry. */
const POISON: Array<[reason: string, body: (i: number) => string | Uint8Array, key?: string]> = [
  ['not_json', () => 'not json {'],
  ['schema', () => '{"metrics":{"a":1},"labels":{"site":"\\ud800"}}'], // a lone surrogate ClickHouse would refuse
  ['schema', () => '{"metrics":{"a":1,"a":2}}'], // a duplicate key
  ['schema', (i) => JSON.stringify({ metrics: { a: i }, colour: 'red' })],
  ['oversize', () => JSON.stringify({ metrics: { a: 1 }, labels: { pad: 'x'.repeat(1024 * 1024 - 200) } })], // within ~200 bytes of max_payload
  ['ts_out_of_range', () => JSON.stringify({ ts: 1_795_461_600, metrics: { a: 1 } })], // epoch seconds
  ['schema', () => JSON.stringify({ ts: '2026-02-30T00:00:00Z', metrics: { a: 1 } })],
  ['non_finite', () => '{"metrics":{"a":1e999}}'],
  ['insert_rejected', (i) => JSON.stringify({ metrics: { a: i }, labels: { site: REFUSED } })],
  // A literal wildcard token: the stream stores the subject untransformed, in no partition.
  ['bad_subject', (i) => JSON.stringify({ metrics: { a: i } }), '*'],
  ['bad_subject', (i) => JSON.stringify({ metrics: { a: i } }), '>'],
];

/** Subjects with a wildcard in another place than the key: the stream accepts these too. */
const UNPARTITIONED_ELSEWHERE = ['telemetry.*.dev-1', 'telemetry.>.dev-1', 'telemetry.*.*', 'telemetry.*.>'];

describe('property: random mixes of valid messages and every poison class', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  const expected = new Map<number, string>();
  const valid = new Set<number>();

  beforeAll(async () => {
    t = await siftTestEnv({
      PARTITIONS: '4',
      FILTER_CHANGE_THRESHOLD: '0.000001',
      INSERT_RETRY_INITIAL_MS: '10',
      INSERT_RETRY_MAX_MS: '20',
    });
    const random = seededRandom(2026);
    for (let i = 0; i < 400; i++) {
      const device = `dev-${Math.floor(random() * 40)}`;
      if (random() < 0.3) {
        const [reason, body, key] = POISON[Math.floor(random() * POISON.length)]!;
        expected.set(await t.publish(`telemetry.metrics.${key ?? device}`, body(i)), reason);
      } else {
        valid.add(
          await t.publish(`telemetry.metrics.${device}`, {
            ts: new Date(Date.now() - 60_000 + i).toISOString(),
            metrics: { a: i + 1, b: 2 * i + 1 },
          }),
        );
      }
    }
    for (const subject of UNPARTITIONED_ELSEWHERE)
      expected.set(await t.publish(subject, JSON.stringify({ metrics: { a: 1 } })), 'bad_subject');
    const refused = (params: { values?: unknown }) => JSON.stringify(params.values ?? '').includes(REFUSED);
    worker = await Worker.start(t.config, testLogger, { wrapClickHouse: (c) => faultyInserts(c, refused, unknownCode) });
    await worker.untilIdle();
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('stores every valid message, dead-letters every bad one once with its reason, and drains', async () => {
    expect(new Set(expected.values()).size).toBe(new Set(POISON.map(([r]) => r)).size);
    const stored = await rows<{ seq: number }>(
      worker.clickhouse,
      `SELECT DISTINCT stream_seq AS seq FROM ${t.config.clickhouse.database}.device_metrics`,
    );
    expect(new Set(stored.map((r) => Number(r.seq)))).toEqual(valid);
    const jsm = await jetstreamManager(t.nc);
    const info = await jsm.streams.info(t.config.nats.dlqStream);
    const dead = new Map<number, string>();
    let truncated = 0;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
      const original = Number(msg.header!.get(DEAD_LETTER_HEADERS.sequence));
      expect(dead.has(original)).toBe(false);
      dead.set(original, msg.header!.get(DEAD_LETTER_HEADERS.reason));
      // A subject the stream could not partition is named in the detail.
      if (msg.header!.get(DEAD_LETTER_HEADERS.reason) === 'bad_subject')
        expect(msg.header!.get(DEAD_LETTER_HEADERS.detail)).toContain(JSON.stringify(msg.header!.get(DEAD_LETTER_HEADERS.subject)));
      // A body that would not fit beside the headers is cut, and says how long it was.
      if (msg.header!.get(DEAD_LETTER_HEADERS.truncated)) {
        truncated++;
        expect(Number(msg.header!.get(DEAD_LETTER_HEADERS.truncated))).toBeGreaterThan(msg.data.length);
      }
    }
    expect(dead).toEqual(expected);
    expect(truncated).toBe([...expected.values()].filter((r) => r === 'oversize').length);
    for (let p = 0; p < t.config.nats.partitions; p++) {
      const c = await jsm.consumers.info(t.config.nats.stream, consumerName('sift', p));
      expect(c.num_pending + c.num_ack_pending).toBe(0);
    }
    // Each message the stream accepted ended as stored, dropped or dead-lettered: none is left unseen.
    const accepted = (await jsm.streams.info(t.config.nats.stream)).state.messages;
    const snapshot = worker.stats.snapshot();
    expect(snapshot.received).toBe(accepted);
    expect(snapshot.deadLetteredByReason.bad_subject).toBe([...expected.values()].filter((r) => r === 'bad_subject').length);
  });
});
