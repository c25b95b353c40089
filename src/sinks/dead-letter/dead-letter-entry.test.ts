import { describe, expect, it } from 'vitest';
import {
  countByReason,
  deadLetterFrom,
  formatDeadLetter,
  formatDeadLetterTable,
  matchesFilter,
  parseSince,
  shownDeadLetter,
  type RawDeadLetter,
} from './dead-letter-entry.js';
import { bodyPrivacy } from '../../transforms/privacy/dead-letter-body.js';

const raw = (over: Partial<RawDeadLetter> = {}): RawDeadLetter => ({
  seq: 7,
  subject: 'telemetry-dlq.metrics',
  time: new Date('2026-11-24T10:00:00.123Z'),
  headers: [
    ['Sift-Reason', 'not_json'],
    ['Sift-Detail', 'Unexpected token b'],
    ['Sift-Original-Subject', 'telemetry.metrics.3.boiler-1'],
    ['Sift-Original-Stream', 'TELEMETRY'],
    ['Sift-Original-Sequence', '41'],
    ['Sift-Original-Time', '2026-11-24T09:59:59.000Z'],
  ],
  data: new TextEncoder().encode('broken'),
  ...over,
});

describe('a dead letter read back', () => {
  it('takes kind from the subject and the rest from the headers', () => {
    expect(deadLetterFrom(raw())).toMatchObject({
      seq: 7,
      subject: 'telemetry-dlq.metrics',
      kind: 'metrics',
      reason: 'not_json',
      detail: 'Unexpected token b',
      originalSubject: 'telemetry.metrics.3.boiler-1',
      originalStream: 'TELEMETRY',
      originalSequence: 41,
    });
  });

  it('has no original sequence when the header is missing', () => {
    expect(deadLetterFrom(raw({ headers: [] })).originalSequence).toBeUndefined();
  });

  it('filters by kind, reason and time', () => {
    const e = deadLetterFrom(raw());
    expect(matchesFilter(e, {})).toBe(true);
    expect(matchesFilter(e, { kind: 'metrics', reason: 'not_json' })).toBe(true);
    expect(matchesFilter(e, { kind: 'doorbell' })).toBe(false);
    expect(matchesFilter(e, { reason: 'schema' })).toBe(false);
    expect(matchesFilter(e, { sinceMs: Date.parse('2026-11-24T10:00:00.123Z') })).toBe(true);
    expect(matchesFilter(e, { sinceMs: Date.parse('2026-11-24T10:00:01Z') })).toBe(false);
  });
});

describe('--since', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it('reads durations back from now and ISO times', () => {
    expect(parseSince('30m', now)).toBe(now - 30 * 60_000);
    expect(parseSince('6h', now)).toBe(now - 6 * 3_600_000);
    expect(parseSince('2d', now)).toBe(now - 2 * 86_400_000);
    expect(parseSince('2026-11-24T08:00:00Z', now)).toBe(Date.parse('2026-11-24T08:00:00Z'));
  });
  it('is undefined for anything else', () => {
    expect(parseSince('yesterday-ish', now)).toBeUndefined();
    expect(parseSince('5w', now)).toBeUndefined();
  });
});

describe('shown', () => {
  const privacy = bodyPrivacy({ api: { hash: ['client_ip'] } }, 'pepper');
  const api = (headers: Array<[string, string]>, body: string) =>
    deadLetterFrom(
      raw({
        subject: 'telemetry-dlq.api',
        headers: [['Sift-Detail', '/client_ip: "10.0.0.1" is not one of "a"'], ...headers],
        data: new TextEncoder().encode(body),
      }),
    );

  it('applies PRIVACY to a dead letter filed before it applied to dead letters', () => {
    const text = formatDeadLetter(shownDeadLetter(api([], '{"status":"x","client_ip":"10.0.0.1"}'), privacy));
    expect(text).not.toContain('10.0.0.1');
    expect(text).toContain('"status":"x"');
  });
  it('leaves a dead letter PRIVACY already applied to as it is', () => {
    const entry = api([['Sift-Privacy', 'rewritten']], '{"client_ip":"abc"}');
    expect(shownDeadLetter(entry, privacy)).toBe(entry);
  });
});

describe('output', () => {
  it('lists one aligned row per dead letter, long details clipped', () => {
    const long = deadLetterFrom(
      raw({
        seq: 12,
        headers: [
          ['Sift-Reason', 'schema'],
          ['Sift-Detail', 'x'.repeat(100)],
          ['Sift-Original-Subject', 'telemetry.metrics.1.a'],
        ],
      }),
    );
    const lines = formatDeadLetterTable([deadLetterFrom(raw()), long]).split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+KIND\s+REASON\s+DETAIL\s+ORIGINAL SUBJECT$/);
    expect(lines[1]).toMatch(/^7\s+2026-11-24T10:00:00Z\s+metrics\s+not_json\s+Unexpected token b\s+telemetry\.metrics\.3\.boiler-1$/);
    expect(lines[2]).toContain(`${'x'.repeat(59)}…`);
    expect(lines[1]!.indexOf('telemetry.metrics.3')).toBe(lines[2]!.indexOf('telemetry.metrics.1'));
  });
  it('shows every header and then the body', () => {
    const text = formatDeadLetter(deadLetterFrom(raw()));
    expect(text).toContain('Sift-Original-Sequence: 41');
    expect(text.endsWith('\n\nbroken')).toBe(true);
  });
  it('counts by reason, largest first', () => {
    expect(countByReason([{ reason: 'schema' }, { reason: 'not_json' }, { reason: 'schema' }])).toEqual([
      ['schema', 2],
      ['not_json', 1],
    ]);
  });
});
