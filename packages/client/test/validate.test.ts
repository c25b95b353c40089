import { describe, expect, it } from 'vitest';
import { kinds } from '../../../src/kinds/registry.js';
import { decodeDeviceMetrics } from '../../../src/kinds/metrics/decode.js';
import { kindContracts, type KindName } from '../src/generated/index.js';
import { serializeBody } from '../src/validate/validate-body.js';
import { InvalidEventError } from '../src/errors.js';
import { keyProblem } from '../src/subject.js';
import { publishKeyProblem } from '../../../src/contract/subject-key.js';

const validate = (kind: string, body: unknown) => serializeBody(kind, kindContracts[kind as KindName], body, 65_536);
const refusal = (kind: string, body: unknown) => {
  try {
    validate(kind, body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return (error as Error).message;
  }
  return undefined;
};

describe('body validation', () => {
  it.each(kinds.filter((k) => k.simulator).map((k) => k.name))('accepts what the %s simulator produces', (name) => {
    const simulator = kinds.find((k) => k.name === name)!.simulator!({ seed: 7, startMs: Date.UTC(2026, 10, 23), keys: 3 });
    for (let i = 0; i < 200; i++) {
      const { body } = simulator.next();
      expect(() => validate(name, body)).not.toThrow();
    }
  });

  const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
  const WIDE = { maxPastMs: 1e15, maxFutureMs: 1e15 };
  const bodies: Array<[string, unknown]> = [
    ['valid', { ts: '2026-11-23T19:20:00Z', metrics: { v: 1 } }],
    ['valid with offset', { ts: '2026-11-23T20:20:00.250+01:00', metrics: { v: 1 }, labels: { a: 'b' } }],
    ['epoch ms', { ts: ARRIVAL, metrics: { v: -1e300 } }],
    ['leap second', { ts: '2026-11-22T23:59:60Z', metrics: { v: 1 } }],
    ['no metrics', { ts: 1 }],
    ['empty metrics', { metrics: {} }],
    ['string value', { metrics: { v: '1' } }],
    ['null value', { metrics: { v: null } }],
    ['bad metric name', { metrics: { '1v': 1 } }],
    ['unknown field', { metrics: { v: 1 }, extra: true }],
    ['ts without zone', { ts: '2026-11-23T19:20:00', metrics: { v: 1 } }],
    ['impossible date', { ts: '2026-02-31T10:00:00Z', metrics: { v: 1 } }],
    ['offset +25:00', { ts: '2026-02-03T10:00:00+25:00', metrics: { v: 1 } }],
    ['misplaced leap second', { ts: '2026-11-22T12:59:60Z', metrics: { v: 1 } }],
    ['fractional epoch', { ts: 1.5, metrics: { v: 1 } }],
    ['non-string label', { metrics: { v: 1 }, labels: { a: 1 } }],
    ['value beyond 1e300', { metrics: { v: 1e301 } }],
    ['lone surrogate', { metrics: { v: 1 }, labels: { site: '\ud800' } }],
    ['an array', [1, 2]],
  ];
  it.each(bodies)('agrees with the worker on a metrics body: %s', (_name, body) => {
    const worker = decodeDeviceMetrics(new TextEncoder().encode(JSON.stringify(body)), 'dev-1', ARRIVAL, WIDE);
    expect(refusal('metrics', body) === undefined).toBe(worker.ok);
  });

  it.each([
    [{ metrics: { v: 1 }, extra: true }, 'invalid metrics event: /: unexpected property "extra" (allowed: ts, device_id, metrics, labels)'],
    [{ metrics: { v: 'x' } }, 'invalid metrics event: /metrics/v: expected number, got "x"'],
    [{ metrics: { v: Number.NaN } }, 'invalid metrics event: /metrics/v: NaN is not a finite number'],
    [{ metrics: { '1v': 1 } }, 'invalid metrics event: /metrics: name "1v" is not allowed; Metric name'],
    [
      { ts: '2026-11-23T19:20:00', metrics: { v: 1 } },
      'invalid metrics event: /ts: "2026-11-23T19:20:00" does not match Event time, RFC 3339 with a zone',
    ],
    [{ ts: '2026-02-30T00:00:00Z', metrics: { v: 1 } }, 'invalid metrics event: /ts: "2026-02-30T00:00:00Z" is not a real date-time'],
    [{ ts: true, metrics: { v: 1 } }, 'invalid metrics event: /ts: true is none of'],
    [{}, 'invalid metrics event: /: missing required property "metrics"'],
    [{ metrics: { v: 1 }, labels: { s: 'a\udc00' } }, 'invalid metrics event: /labels/s: text is not valid UTF-8'],
    [{ metrics: { v: 1 }, labels: { s: 'x'.repeat(1025) } }, 'invalid metrics event: /labels/s: is 1025 characters long (at most 1024)'],
  ])('names the field: %j', (body, message) => {
    expect(refusal('metrics', body)).toContain(message);
  });

  it('refuses a body over the size limit', () => {
    const labels = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`l${i}`, 'x'.repeat(1000)]));
    expect(() => serializeBody('metrics', kindContracts.metrics, { metrics: { v: 1 }, labels }, 10_000)).toThrow(
      /\/: body is \d+ bytes, the limit is 10000/,
    );
  });
});

describe('subject keys', () => {
  it.each(['dev-1', 'pump_7', 'Ünïcode', 'a:b/c', '😀'])('accepts %s', (key) => expect(keyProblem(key)).toBeUndefined());
  it.each([
    ['', 'key is empty'],
    ['a.b', 'holds a dot at character 1'],
    ['a b', 'holds whitespace at character 1'],
    ['a*', 'the wildcard *'],
    ['>', 'the wildcard >'],
    ['a\tb', 'holds whitespace'],
    ['a\u0085', 'U+0085'],
    ['a\ufffd', 'U+FFFD'],
    ['a\ud800', 'not valid UTF-8'],
    ['x'.repeat(257), 'at most 256'],
  ])('refuses %j', (key, problem) => expect(keyProblem(key)).toContain(problem));

  // A key travels in the subject as UTF-8: a lone surrogate arrives as U+FFFD.
  const asSent = (key: string) => new TextDecoder().decode(new TextEncoder().encode(key));
  it.each(['dev-1', '😀', '', 'a.b', 'a b', '*', 'a\u0085', 'a\ufffd', 'a\ud800', '\udc00b', 'x'.repeat(256), 'x'.repeat(257)])(
    'refuses %j exactly when the contract refuses it as sent',
    (key) => expect(keyProblem(key) === undefined).toBe(publishKeyProblem(asSent(key)) === undefined),
  );

  it('names a key that is not a string', () => expect(keyProblem(7)).toBe('key must be a string, got number'));
});
