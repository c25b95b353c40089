import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, type SpooledEvent } from '../src/spool/spool.js';
import { SpoolError } from '../src/errors.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sift-spool-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const event = (i: number, pad = 0): SpooledEvent => ({
  id: `ID${String(i).padStart(8, '0')}`,
  subject: `telemetry.metrics.d${i % 3}`,
  data: JSON.stringify({ metrics: { v: i }, labels: { p: 'x'.repeat(pad) } }),
});

describe('spool', () => {
  it('gives events back in order and forgets what was committed', () => {
    const spool = Spool.open(freshDir(), 1 << 20);
    for (let i = 0; i < 10; i++) spool.append(event(i));
    const first = spool.read(4);
    expect(first.map((e) => e.event)).toEqual([0, 1, 2, 3].map((i) => event(i)));
    spool.commit(first[3]!.end);
    expect(spool.events).toBe(6);
    expect(spool.read(100).map((e) => e.event.id)).toEqual([4, 5, 6, 7, 8, 9].map((i) => event(i).id));
    spool.close();
  });

  it('keeps unsent events and the cursor across a reopen, cutting off a torn last line', () => {
    const dir = freshDir();
    const spool = Spool.open(dir, 1 << 20);
    for (let i = 0; i < 5; i++) spool.append(event(i));
    spool.commit(spool.read(2)[1]!.end);
    spool.close();
    const segment = readdirSync(dir).find((f) => f.endsWith('.seg'))!;
    appendFileSync(join(dir, segment), 'ID99 telemetry.metrics.x {"metr'); // killed mid-write
    const reopened = Spool.open(dir, 1 << 20);
    expect(reopened.events).toBe(3);
    reopened.append(event(5));
    expect(reopened.read(100).map((e) => e.event)).toEqual([2, 3, 4, 5].map((i) => event(i)));
    reopened.close();
  });

  it('holds its cap by dropping the oldest events, and counts them', () => {
    const spool = Spool.open(freshDir(), 64 * 1024);
    const total = 2_000;
    for (let i = 0; i < total; i++) {
      spool.append(event(i, 100));
      expect(spool.bytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(spool.dropped).toBeGreaterThan(0);
    expect(spool.dropped + spool.events).toBe(total);
    const kept = spool.read(total).map((e) => e.event.id);
    expect(kept).toEqual(Array.from({ length: spool.events }, (_, k) => event(total - spool.events + k).id)); // the newest survive
    spool.close();
  });

  it('starts afresh once emptied', () => {
    const dir = freshDir();
    const spool = Spool.open(dir, 1 << 20);
    spool.append(event(1));
    spool.commit(spool.read(1)[0]!.end);
    spool.clear();
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg'))).toEqual([]);
    spool.append(event(2));
    expect(spool.read(5).map((e) => e.event)).toEqual([event(2)]);
    spool.close();
  });

  it('refuses a directory another live process holds', () => {
    const dir = freshDir();
    appendFileSync(join(dir, 'lock'), String(process.ppid));
    expect(() => Spool.open(dir, 1 << 20)).toThrow(SpoolError);
    expect(() => Spool.open(dir, 1 << 20)).toThrow(/in use by process/);
  });
});
