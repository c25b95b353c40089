import { describe, expect, it } from 'vitest';
import { deadLetterFrom } from './dead-letter-entry.js';
import { bodyDigest, replayMessageId, replayTarget } from './replay-target.js';

const scope = { stream: 'TELEMETRY', subjectPrefix: 'telemetry', dlqSubjectPrefix: 'telemetry-dlq' };

/** A dead letter filed under `dlqSubject` whose headers claim `original`. */
const letter = (dlqSubject: string, original: string, extra: Array<[string, string]> = [], stream = 'TELEMETRY') =>
  deadLetterFrom({
    seq: 9,
    subject: dlqSubject,
    time: new Date(0),
    headers: [
      ['Sift-Reason', 'schema'],
      ['Sift-Original-Subject', original],
      ['Sift-Original-Stream', stream],
      ['Sift-Original-Sequence', '41'],
      ...extra,
    ],
    data: new TextEncoder().encode('{}'),
  });

const why = (entry: ReturnType<typeof letter>) => {
  const decision = replayTarget(entry, scope);
  return decision.ok ? 'ok' : decision.why;
};

describe('replay target', () => {
  it('publishes to the device subject of the kind it was filed under (the stored partition token dropped)', () => {
    const decision = replayTarget(letter('telemetry-dlq.metrics', 'telemetry.metrics.3.boiler-1'), scope);
    expect(decision).toEqual({
      ok: true,
      target: {
        subject: 'telemetry.metrics.boiler-1',
        originalStream: 'TELEMETRY',
        originalSequence: 41,
        storedSubject: 'telemetry.metrics.3.boiler-1',
        needsOriginal: false,
        producerMsgId: undefined,
      },
    });
  });

  it.each([
    [
      'another kind than it was filed under',
      'telemetry-dlq.metrics',
      'telemetry.api.0.victim',
      'names kind "api", but it was filed under kind "metrics"',
    ],
    ['the batch journal', 'telemetry-dlq.metrics', '$KV.sift-journal.p000', 'is not telemetry.<kind>.<partition>.<key>'],
    ['the journal under the right shape', 'telemetry-dlq.metrics', '$KV.metrics.0.p000', 'not under the telemetry prefix'],
    ['the JetStream API', 'telemetry-dlq.metrics', '$JS.API.STREAM.DELETE.TELEMETRY', 'is not telemetry.<kind>.<partition>.<key>'],
    ['the JetStream API in four tokens', 'telemetry-dlq.metrics', '$JS.metrics.0.x', 'not under the telemetry prefix'],
    ['a wildcard key', 'telemetry-dlq.metrics', 'telemetry.metrics.0.*', 'is a wildcard'],
    ['a many-token wildcard key', 'telemetry-dlq.metrics', 'telemetry.metrics.0.>', 'is a wildcard'],
    ['a key with a space (a reply subject smuggled in)', 'telemetry-dlq.metrics', 'telemetry.metrics.0.a b', 'a space'],
    ['a key with a control character', 'telemetry-dlq.metrics', 'telemetry.metrics.0.a\u0000', 'control character'],
    ['an empty key', 'telemetry-dlq.metrics', 'telemetry.metrics.0.', 'is empty'],
    ['five tokens', 'telemetry-dlq.metrics', 'telemetry.metrics.0.a.b', 'is not telemetry.<kind>.<partition>.<key>'],
    ['a partition that is not a number', 'telemetry-dlq.metrics', 'telemetry.metrics.x.a', 'no partition number'],
    ['a dead letter filed under no kind', 'telemetry-dlq._invalid', 'telemetry._invalid.0.a', 'not under a kind'],
    ['a dead letter under two tokens', 'telemetry-dlq.metrics.x', 'telemetry.metrics.0.a', 'not under a kind'],
    ['a dead letter of another dead-letter prefix', 'other-dlq.metrics', 'telemetry.metrics.0.a', 'not under a kind'],
  ])('refuses %s', (_name, dlqSubject, original, reason) => {
    expect(why(letter(dlqSubject, original))).toContain(reason);
  });

  it('refuses an original from another stream or without a sequence', () => {
    expect(why(letter('telemetry-dlq.metrics', 'telemetry.metrics.0.a', [], 'KV_sift-journal'))).toContain(
      'original stream "KV_sift-journal" is not TELEMETRY',
    );
    const noSeq = { ...letter('telemetry-dlq.metrics', 'telemetry.metrics.0.a'), originalSequence: undefined };
    expect(why(noSeq)).toContain('no original sequence');
  });

  it('replays a rewritten or cut body from the original, and keeps the producer id', () => {
    const rewritten = replayTarget(
      letter('telemetry-dlq.api', 'telemetry.api.1.svc', [
        ['Sift-Privacy', 'rewritten'],
        ['Sift-Original-Msg-Id', 'evt-7'],
      ]),
      scope,
    );
    expect(rewritten.ok && rewritten.target).toMatchObject({ needsOriginal: true, producerMsgId: 'evt-7' });
    const cut = replayTarget(letter('telemetry-dlq.api', 'telemetry.api.1.svc', [['Sift-Body-Truncated', '2000000']]), scope);
    expect(cut.ok && cut.target.needsOriginal).toBe(true);
  });

  it('publishes under the producer id, else one id per original and body', () => {
    const digest = bodyDigest(new TextEncoder().encode('{"a":1}'));
    expect(replayMessageId({ producerMsgId: 'evt-7', originalStream: 'TELEMETRY', originalSequence: 41 }, digest)).toBe('evt-7');
    expect(replayMessageId({ producerMsgId: undefined, originalStream: 'TELEMETRY', originalSequence: 41 }, digest)).toBe(
      `sift-replay:TELEMETRY:41:${digest}`,
    );
    expect(bodyDigest(new TextEncoder().encode('{"a":2}'))).not.toBe(digest);
  });
});
