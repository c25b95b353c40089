import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';

/** Data rows of `sift dlq list` (the header line dropped). */
const listed = (text: string) =>
  text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s{2,}/));

describe('sift dlq against a real nats-server', () => {
  let t: SiftTestEnv;
  let jsm: JetStreamManager;
  let notJsonSeq: number;

  beforeAll(async () => {
    t = await siftTestEnv();
    jsm = await jetstreamManager(t.nc);
    await t.publish('telemetry.metrics.dev-1', 'broken');
    await t.publish('telemetry.metrics.dev-2', '{"metrics": {"temperature": "hot"}}');
    await t.publish('telemetry.doorbell.dev-3', '{"rang": true}');
    await t.publish('telemetry.metrics.dev-4', { metrics: { temperature: 20 } });
    expect(await siftOk(['worker', '--until-idle'], t.env)).toContain('dead-lettered 3');
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('lists every dead letter, and filters by reason, kind, time and count', async () => {
    const all = listed(await siftOk(['dlq', 'list'], t.env));
    expect(all.map((r) => r[3]).sort()).toEqual(['not_json', 'schema', 'unknown_kind']);
    const notJson = listed(await siftOk(['dlq', 'list', '--reason', 'not_json'], t.env));
    expect(notJson).toHaveLength(1);
    expect(notJson[0]![2]).toBe('metrics');
    expect(notJson[0]![5]).toMatch(/^telemetry\.metrics\.\d+\.dev-1$/);
    notJsonSeq = Number(notJson[0]![0]);
    expect(listed(await siftOk(['dlq', 'list', '--kind', 'doorbell'], t.env)).map((r) => r[3])).toEqual(['unknown_kind']);
    expect(listed(await siftOk(['dlq', 'list', '--limit', '2'], t.env))).toHaveLength(2);
    expect(await siftOk(['dlq', 'list', '--since', '2099-01-01T00:00:00Z'], t.env)).toBe('no dead letters match\n');
    expect(listed(await siftOk(['dlq', 'list', '--since', '10m'], t.env))).toHaveLength(3);
  });

  it('shows one dead letter with its headers and body', async () => {
    const shown = await siftOk(['dlq', 'show', String(notJsonSeq)], t.env);
    expect(shown).toContain('Sift-Reason: not_json');
    expect(shown).toMatch(/Sift-Original-Subject: telemetry\.metrics\.\d+\.dev-1/);
    expect(shown.trimEnd().endsWith('\n\nbroken')).toBe(true);
    const missing = await sift(['dlq', 'show', '9999'], t.env).done;
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('sift: no dead letter 9999 in stream TELEMETRY_DLQ');
  });

  it('replays to the original subject once; the replayed message is processed again', async () => {
    const before = (await jsm.streams.info(t.config.nats.stream)).state.last_seq;
    const dry = await siftOk(['dlq', 'replay', '--reason', 'not_json', '--dry-run'], t.env);
    expect(dry).toContain('would replay 1 dead letter(s)');
    expect((await jsm.streams.info(t.config.nats.stream)).state.last_seq).toBe(before);

    expect(await siftOk(['dlq', 'replay', '--reason', 'not_json'], t.env)).toContain(`replayed ${notJsonSeq} → telemetry.metrics.dev-1`);
    const stream = (await jsm.streams.info(t.config.nats.stream)).state;
    expect(stream.last_seq).toBe(before + 1);
    const replayed = await jsm.streams.getMessage(t.config.nats.stream, { seq: stream.last_seq });
    expect(replayed!.subject).toMatch(/^telemetry\.metrics\.\d+\.dev-1$/);
    expect(replayed!.string()).toBe('broken');

    // Replayed dead letters are gone, so a second replay sends nothing.
    expect(await siftOk(['dlq', 'replay', '--reason', 'not_json'], t.env)).toContain('replayed 0 dead letter(s)');
    expect((await jsm.streams.info(t.config.nats.stream)).state.last_seq).toBe(before + 1);

    // Still broken: the worker dead-letters it again, under a new sequence naming the new original.
    expect(await siftOk(['worker', '--until-idle'], t.env)).toContain('dead-lettered 1');
    const again = listed(await siftOk(['dlq', 'list', '--reason', 'not_json'], t.env));
    expect(again).toHaveLength(1);
    expect(Number(again[0]![0])).toBeGreaterThan(notJsonSeq);
    expect(await siftOk(['dlq', 'show', again[0]![0]!], t.env)).toContain(`Sift-Original-Sequence: ${before + 1}`);
  });

  it('purges by filter, and refuses to purge everything without --all', async () => {
    expect(await siftOk(['dlq', 'purge', '--reason', 'schema'], t.env)).toContain('purged 1 dead letter(s)');
    expect(
      listed(await siftOk(['dlq', 'list'], t.env))
        .map((r) => r[3])
        .sort(),
    ).toEqual(['not_json', 'unknown_kind']);
    const refused = await sift(['dlq', 'purge'], t.env).done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--all');
    expect(await siftOk(['dlq', 'purge', '--all'], t.env)).toContain('purged 2 dead letter(s)');
    expect(await siftOk(['dlq', 'list'], t.env)).toBe('no dead letters match\n');
  });
});
