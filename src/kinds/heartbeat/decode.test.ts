import { describe, expect, it } from 'vitest';
import { decodeHeartbeat } from './decode.js';
import { heartbeatRow, HEARTBEATS } from './rows.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { heartbeatSimulator } from './simulate.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const DAY = 86_400_000;
const WINDOW = { maxPastMs: 90 * DAY, maxFutureMs: DAY };
const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
const decode = (body: unknown) => decodeHeartbeat(bytes(body), 'inst-1', ARRIVAL, WINDOW);
const NO_PRIVACY = fieldPrivacy({}, 'heartbeat', '');

describe('heartbeat decoding and rows', () => {
  it('writes defaults for what a minimal beat leaves out', () => {
    const result = decode({ app: 'shop' });
    expect(result.ok && heartbeatRow(result.value, NO_PRIVACY, 3)).toEqual([
      ARRIVAL,
      'inst-1',
      'shop',
      '',
      '',
      3600,
      '',
      '',
      '',
      '',
      '',
      '',
      null,
      null,
      3,
    ]);
  });

  it('writes a full beat in column order, hashing the hostname when asked', () => {
    const system = {
      os: 'linux',
      os_version: '6',
      arch: 'x64',
      hostname: 'h',
      runtime: 'node',
      runtime_version: '20',
      cpu_count: 2,
      memory_bytes: 1024,
    };
    const result = decode({ ts: ARRIVAL - 1, app: 'a', version: 'v', status: 'ok', interval_s: 60, system });
    const row = result.ok ? heartbeatRow(result.value, fieldPrivacy({ heartbeat: { hash: ['hostname'] } }, 'heartbeat', 's'), 1) : [];
    expect(row).toHaveLength(HEARTBEATS.columns.length);
    expect(row.slice(0, 9)).toEqual([ARRIVAL - 1, 'inst-1', 'a', 'v', 'ok', 60, 'linux', '6', 'x64']);
    expect(row[9]).toMatch(/^[0-9a-f]{64}$/);
    expect(row.slice(10)).toEqual(['node', '20', 2, 1024, 1]);
  });

  it.each([
    ['no app', {}, '/app'],
    ['a zero interval', { app: 'a', interval_s: 0 }, '/interval_s'],
    ['an unknown system field', { app: 'a', system: { gpu: 'x' } }, '/system: unexpected property "gpu"'],
    ['a negative memory', { app: 'a', system: { memory_bytes: -1 } }, '/system/memory_bytes'],
    ['an unknown field', { app: 'a', uptime: 1 }, '/: unexpected property "uptime"'],
  ])('dead-letters %s as schema', (_name, body, detail) => {
    const result = decode(body);
    expect(result).toMatchObject({ ok: false, reason: 'schema' });
    if (!result.ok) expect(result.detail).toContain(detail);
  });

  it('simulates instances of which some go silent, deterministically and within the schema', () => {
    const events = (seed: number) => {
      const s = heartbeatSimulator({ seed, startMs: ARRIVAL - DAY, keys: 16 });
      return Array.from({ length: 16 * 40 }, () => s.next());
    };
    const a = events(3);
    expect(a).toEqual(events(3));
    for (const e of a) expect(decodeHeartbeat(bytes(e.body), e.key, ARRIVAL, WINDOW).ok).toBe(true);
    const lastBeat = new Map<string, number>();
    for (const e of a) lastBeat.set(e.key, Date.parse(e.body.ts as string));
    const newest = Math.max(...lastBeat.values());
    expect([...lastBeat.values()].some((ts) => newest - ts > 10 * 60_000)).toBe(true);
  });
});
