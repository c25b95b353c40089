import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { seededRandom } from '../../src/simulate/fleet.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows, rows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';
import { deadLetterReasons } from '../helpers/dead-letter-reasons.js';

const SNAPSHOT_S = 300;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface SentState {
  seq: number;
  device: string;
  ts: number;
  state: string;
  previous_state?: string;
  changed_by?: string;
}

/** What the contract says is stored, computed from the events as sent (in order, per device). */
function expectedStored(events: SentState[]): Array<SentState & { store_reason: string; stored_previous: string }> {
  const last = new Map<string, { state: string; ts: number }>();
  const stored: Array<SentState & { store_reason: string; stored_previous: string }> = [];
  for (const e of events) {
    const before = last.get(e.device);
    const reason = !before
      ? 'first_contact'
      : e.state !== before.state
        ? 'change'
        : e.ts - before.ts >= SNAPSHOT_S * 1000
          ? 'snapshot'
          : undefined;
    if (!reason) continue;
    stored.push({ ...e, store_reason: reason, stored_previous: e.previous_state ?? before?.state ?? '' });
    if (!before || e.ts >= before.ts) last.set(e.device, { state: e.state, ts: e.ts });
  }
  return stored;
}

describe('state kind: the state filter, device_latest_state_v and device_state_history', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let db: string;
  const now = Date.now();
  const sent: SentState[] = [];
  const bad = new Map<number, string>();

  const send = async (
    device: string,
    ts: number,
    state: string,
    extra: Partial<SentState> & { metadata?: Record<string, unknown>; reason?: string } = {},
  ) => {
    const body = { ts: new Date(ts).toISOString(), state, ...extra };
    const seq = await t.publish(`telemetry.state.${device}`, body);
    sent.push({ seq, device, ts, state, previous_state: extra.previous_state, changed_by: extra.changed_by });
  };

  beforeAll(async () => {
    t = await siftTestEnv({
      FILTER_SNAPSHOT_INTERVAL_S: String(SNAPSHOT_S),
      RETENTION_DAYS: '90',
      EVENT_TIME_MAX_PAST_S: String(90 * 86_400),
    });
    db = t.config.clickhouse.database;
    // A hand-made device: first contact, a repeat, a change with metadata, a snapshot, a change back.
    const t0 = now - 2 * HOUR;
    await send('pump-1', t0, 'online');
    await send('pump-1', t0 + 60_000, 'online');
    await send('pump-1', t0 + 120_000, 'fault', {
      changed_by: 'rule:overheat',
      reason: 'temperature above 90 °C',
      metadata: { temp_c: 93.5, zone: 'north', flags: ['a'] },
    });
    // Bad bodies between the good ones: each dead-lettered, none stops the others.
    const badBodies: Array<[unknown, string]> = [
      ['{"state": ', 'not_json'],
      [{ ts: new Date(t0).toISOString() }, 'schema'],
      [{ state: '' }, 'schema'],
      [{ state: 'on', colour: 'red' }, 'schema'],
      [{ state: 7 }, 'schema'],
      [{ state: 'on', metadata: { big: 'x'.repeat(1025) } }, 'schema'],
      ['{"state": "on", "state": "off"}', 'schema'],
      [{ state: 'on', ts: now - 200 * DAY }, 'ts_out_of_range'],
    ];
    for (const [body, reason] of badBodies) bad.set(await t.publish('telemetry.state.pump-1', body), reason);
    await send('pump-1', t0 + 120_000 + SNAPSHOT_S * 1000, 'fault');
    await send('pump-1', t0 + 900_000, 'online', { previous_state: 'maintenance', changed_by: 'operator:ana' });

    // Seeded random devices over the last 40 days, in event-time order per device.
    const random = seededRandom(9);
    const states = ['online', 'idle', 'charging', 'fault'];
    for (let d = 0; d < 6; d++) {
      let ts = now - 40 * DAY + Math.floor(random() * HOUR);
      let state = states[d % states.length]!;
      for (let i = 0; i < 60; i++) {
        if (random() < 0.3) state = states[Math.floor(random() * states.length)]!;
        await send(`dev-${d}`, ts, state);
        ts += Math.floor((random() * 2 * DAY) / 3);
        // Away from the guide query's 30-day edge, which moves with the wall clock while the test runs.
        if (Math.abs(ts - (now - 30 * DAY)) < HOUR) ts += 2 * HOUR;
        if (ts > now - 60_000) break;
      }
    }
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('stores first contacts, changes against the last stored state and snapshots, filling previous_state', async () => {
    const got = await rows<{
      seq: number;
      device_id: string;
      state: string;
      previous_state: string;
      store_reason: string;
      changed_by: string;
    }>(
      worker.clickhouse,
      `SELECT stream_seq AS seq, device_id, state, previous_state, store_reason, changed_by FROM ${db}.device_states ORDER BY seq`,
    );
    const expected = expectedStored(sent).map((e) => ({
      seq: e.seq,
      device_id: e.device,
      state: e.state,
      previous_state: e.stored_previous,
      store_reason: e.store_reason,
      changed_by: e.changed_by ?? '',
    }));
    expect(got).toEqual(expected);
    expect(got.filter((r) => r.device_id === 'pump-1').map((r) => `${r.store_reason}:${r.previous_state}>${r.state}`)).toEqual([
      'first_contact:>online',
      'change:online>fault',
      'snapshot:fault>fault',
      'change:maintenance>online',
    ]);
    expect(worker.stats.filtered).toBe(sent.length - expected.length);
  });

  it('keeps metadata as strings, non-strings as their JSON text', async () => {
    const [row] = await rows<{ metadata: Record<string, string>; reason: string }>(
      worker.clickhouse,
      `SELECT metadata, reason FROM ${db}.device_states WHERE device_id = 'pump-1' AND state = 'fault' AND store_reason = 'change'`,
    );
    expect(row).toEqual({ metadata: { temp_c: '93.5', zone: 'north', flags: '["a"]' }, reason: 'temperature above 90 °C' });
  });

  it('dead-letters bad bodies with their reasons and stores the good ones around them', async () => {
    const letters = await deadLetterReasons(t);
    expect(new Map([...letters].map(([seq, l]) => [seq, l.reason]))).toEqual(bad);
    expect([...letters.values()].map((l) => l.detail)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('/: unexpected property "colour"'),
        expect.stringContaining('/metadata/big: value is 1025 characters'),
        '/state: duplicate key',
      ]),
    );
  });

  it('device_latest_state_v: every device, its newest state and since when it holds', async () => {
    const expected = new Map<string, { state: string; since: number }>();
    for (const e of [...sent].sort((a, b) => a.ts - b.ts || a.seq - b.seq)) {
      const current = expected.get(e.device);
      expected.set(e.device, current && current.state === e.state ? current : { state: e.state, since: e.ts });
    }
    const got = await rows<{ device_id: string; state: string; since: string }>(
      worker.clickhouse,
      `SELECT device_id, state, toUnixTimestamp64Milli(since) AS since FROM ${db}.device_latest_state_v ORDER BY device_id`,
    );
    expect(got.map((r) => ({ device_id: r.device_id, state: r.state, since: Number(r.since) }))).toEqual(
      [...expected].sort(([a], [b]) => a.localeCompare(b)).map(([device_id, v]) => ({ device_id, ...v })),
    );
  });

  it("guide device_state_history_30d: a device's stored states over the last 30 days", async () => {
    for (const device of ['dev-0', 'dev-3', 'pump-1']) {
      const expected = expectedStored(sent)
        .filter((e) => e.device === device && e.ts >= now - 30 * DAY)
        .map((e) => ({
          ts: new Date(e.ts).toISOString().replace('T', ' ').replace('Z', ''),
          state: e.state,
          previous_state: e.stored_previous,
          store_reason: e.store_reason,
        }));
      expect(expected.length).toBeGreaterThan(0);
      const got = await analystRows(worker.clickhouse, db, guideQuery('device_state_history_30d'), { device_id: device });
      expect(got.map((r) => ({ ts: r.ts, state: r.state, previous_state: r.previous_state, store_reason: r.store_reason }))).toEqual(
        expected,
      );
    }
  });

  it('guide devices_in_state: devices whose latest state is the one asked for', async () => {
    const latest = new Map<string, { state: string; ts: number }>();
    for (const e of sent) if ((latest.get(e.device)?.ts ?? -Infinity) <= e.ts) latest.set(e.device, { state: e.state, ts: e.ts });
    for (const state of ['online', 'fault', 'idle']) {
      const expected = [...latest]
        .filter(([, v]) => v.state === state)
        .map(([d]) => d)
        .sort();
      const got = await analystRows<{ device_id: string }>(worker.clickhouse, db, guideQuery('devices_in_state'), { state });
      expect(got.map((r) => r.device_id).sort()).toEqual(expected);
    }
  });
});
