import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as tcpConnect } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';

/**
 * Publishes with raw subject bytes, as a device with a broken client would: the NATS client
 * encodes subjects from strings, so it cannot send invalid UTF-8. Resolves once the server has
 * processed the PUB (its PONG).
 */
function rawPublish(url: string, subject: Buffer, body: string): Promise<void> {
  const { hostname, port } = new URL(url.split(',')[0]!);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname, () => {
      const payload = Buffer.from(body);
      socket.write(
        Buffer.concat([
          Buffer.from('CONNECT {"verbose":false,"pedantic":false}\r\nPUB '),
          subject,
          Buffer.from(` ${payload.length}\r\n`),
          payload,
          Buffer.from('\r\nPING\r\n'),
        ]),
      );
    });
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      if (seen.includes('PONG')) socket.end(() => resolve());
      if (seen.includes('-ERR')) reject(new Error(`nats-server refused the raw publish: ${seen}`));
    });
    socket.on('error', reject);
  });
}

describe('input hygiene: every bad class is dead-lettered once with its reason, every good message stored', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  const now = Date.now();
  const recent = (s: number) => new Date(now - s * 1000).toISOString();
  const yesterdayLeapSecond = `${new Date(now - 86_400_000).toISOString().slice(0, 10)}T23:59:60Z`;
  /** Subject key → the reason its message must be dead-lettered with; good keys map to undefined. */
  const expected = new Map<number, string | undefined>();
  const good: number[] = [];
  /** Good messages the smart filter drops (no change): counted in the rollups, not stored. */
  const filtered: number[] = [];

  beforeAll(async () => {
    // The default window: 90 days back (and retention to match), one day ahead.
    t = await siftTestEnv({ RETENTION_DAYS: '90', EVENT_TIME_MAX_PAST_S: '7776000', EVENT_TIME_MAX_FUTURE_S: '86400' });
    let n = 0;
    const send = async (reason: string | undefined, body: unknown, key = `dev-${n++}`, unchanged = false) => {
      const seq = await t.publish(`telemetry.metrics.${key}`, body);
      expected.set(seq, reason);
      if (reason === undefined) (unchanged ? filtered : good).push(seq);
    };
    const ok = (extra: Record<string, unknown> = {}) => ({ ts: recent(10), metrics: { v: 1 }, ...extra });

    await send(undefined, ok());
    await send('schema', '{"metrics":{"a":1},"labels":{"site":"\\ud800"}}');
    await send(undefined, ok({ labels: { site: '🚀' } }));
    await send('schema', '{"metrics":{"a":1,"a":2}}');
    await send(undefined, ok({ ts: yesterdayLeapSecond }));
    await send('schema', ok({ ts: '2026-02-30T00:00:00Z' }));
    await send('schema', ok({ ts: '2026-11-23T24:00:00Z' }));
    await send(undefined, ok({ ts: now - 5_000 }));
    await send('ts_out_of_range', ok({ ts: Math.floor(now / 1000) }));
    await send('ts_out_of_range', ok({ ts: '2000-01-01T00:00:00Z' }));
    await send('ts_out_of_range', ok({ ts: '9999-12-31T23:59:59Z' }));
    await send(undefined, { ts: recent(10), metrics: { big: 1e300 } }, 'big-1');
    await send(undefined, { ts: recent(9), metrics: { big: 1e300 } }, 'big-1', true);
    await send('value_out_of_range', { ts: recent(8), metrics: { big: 1e308 } }, 'big-1');
    await send('value_out_of_range', { ts: recent(7), metrics: { big: -1e308 } }, 'big-1');
    await send('schema', ok({ colour: 'red' }));
    await send(undefined, '{"ts":"' + recent(10) + '","metrics":{"constructor":1,"toString":2,"__proto__":3,"x":1}}', 'proto-1');
    await send(undefined, { ts: recent(9), metrics: { x: 1 } }, 'proto-1'); // the prototype names disappeared: a change
    // Keys the NATS client cannot send: invalid UTF-8 and control bytes, published raw.
    const body = JSON.stringify(ok());
    const badKeys = [Buffer.from([0x64, 0xff, 0x76]), Buffer.from('d\u0000v'), Buffer.from('d\u0001v'), Buffer.from([0x64, 0xc2, 0x85])];
    for (const key of badKeys) {
      await rawPublish(t.config.nats.url, Buffer.concat([Buffer.from('telemetry.metrics.'), key]), body);
      const jsm = await jetstreamManager(t.nc);
      expected.set((await jsm.streams.info(t.config.nats.stream)).state.last_seq, 'bad_key');
    }
    await send(undefined, ok());

    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('published what it meant to: the stream holds every message', async () => {
    const jsm = await jetstreamManager(t.nc);
    expect((await jsm.streams.info(t.config.nats.stream)).state.messages).toBe(expected.size);
  });

  it('stores every good message', async () => {
    const stored = await rows<{ seq: number }>(
      worker.clickhouse,
      `SELECT DISTINCT stream_seq AS seq FROM ${t.config.clickhouse.database}.device_metrics ORDER BY seq`,
    );
    expect(stored.map((r) => r.seq)).toEqual(good);
    expect(worker.stats.filtered).toBe(filtered.length);
    expect(worker.stats.storedMessages).toBe(good.length);
  });

  it('dead-letters every bad message once, with its own reason and a detail', async () => {
    const jsm = await jetstreamManager(t.nc);
    const info = await jsm.streams.info(t.config.nats.dlqStream);
    const got = new Map<number, string>();
    for (let seq = 1; seq <= info.state.last_seq; seq++) {
      const msg = (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
      const original = Number(msg.header!.get(DEAD_LETTER_HEADERS.sequence));
      expect(got.has(original)).toBe(false);
      got.set(original, msg.header!.get(DEAD_LETTER_HEADERS.reason));
      expect(msg.header!.get(DEAD_LETTER_HEADERS.detail)).not.toBe('');
    }
    const bad = [...expected].filter(([, reason]) => reason !== undefined);
    expect([...got].sort(([a], [b]) => a - b)).toEqual(bad);
    expect(worker.stats.deadLettered).toBe(bad.length);
  });

  it('says in the detail what was wrong', async () => {
    const jsm = await jetstreamManager(t.nc);
    const details: string[] = [];
    const info = await jsm.streams.info(t.config.nats.dlqStream);
    for (let seq = 1; seq <= info.state.last_seq; seq++) {
      details.push((await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!.header!.get(DEAD_LETTER_HEADERS.detail));
    }
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringContaining('/labels/site: lone surrogate'),
        '/metrics/a: duplicate key',
        expect.stringContaining('/ts: "2026-02-30T00:00:00Z" is not a valid date-time; use RFC 3339 with a zone'),
        expect.stringContaining('it looks like epoch seconds: send milliseconds'),
        '/: unexpected property "colour" (allowed: ts, device_id, metrics, labels)',
        expect.stringContaining('subject key is not valid UTF-8'),
        expect.stringContaining('subject key holds control character U+0000'),
      ]),
    );
  });

  it('keeps rollup sums finite: two values of 1e300 average 1e300', async () => {
    const [row] = await rows<{ samples: number; avg: number }>(
      worker.clickhouse,
      `SELECT samples, avg FROM ${t.config.clickhouse.database}.device_metrics_hourly_v WHERE device_id = 'big-1'`,
    );
    expect(row).toEqual({ samples: 2, avg: 1e300 });
  });

  it('treats metrics named like Object.prototype members as data', async () => {
    const stored = await rows<{ metric: string; value: number; reason: string }>(
      worker.clickhouse,
      `SELECT metric, value, reason FROM ${t.config.clickhouse.database}.device_metrics WHERE device_id = 'proto-1' ORDER BY ts, metric`,
    );
    expect(stored.map((r) => `${r.metric}=${r.value} ${r.reason}`)).toEqual([
      '__proto__=3 first_contact',
      'constructor=1 first_contact',
      'toString=2 first_contact',
      'x=1 first_contact',
      'x=1 change',
    ]);
  });

  it('drains: everything received is acked, nothing pending', async () => {
    expect(worker.stats.acked).toBe(worker.stats.received);
    expect(worker.stats.received).toBe(expected.size);
  });
});
