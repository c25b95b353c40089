import { describe, expect, it } from 'vitest';
import { splitBatch, splitEvents } from './split-events.js';

describe('splitting a body into events', () => {
  it.each([
    ['one object', '{"event":"a"}', ['{"event":"a"}']],
    ['a pretty-printed object', '{\n  "event": "a",\n  "n": [1, 2]\n}\n', ['{\n  "event": "a",\n  "n": [1, 2]\n}']],
    ['an array, each item byte for byte', ' [ {"a":1e999} , {"b":"]\\"}"} ] ', ['{"a":1e999}', '{"b":"]\\"}"}']],
    ['values one after another (NDJSON as text/plain)', '{"a":1}\n{"b":2}\n', ['{"a":1}', '{"b":2}']],
    ['a scalar, judged later as an event', '5', ['5']],
  ])('reads %s', (_name, text, events) => {
    expect(splitEvents(text, 'json', 100)).toEqual({ ok: true, value: events });
  });

  it("reads NDJSON by line, so one bad line is that event's problem alone", () => {
    expect(splitEvents('{"a":1}\r\n\nnot json\n{"b":2}', 'ndjson', 100)).toEqual({ ok: true, value: ['{"a":1}', 'not json', '{"b":2}'] });
  });

  it.each([
    ['an empty body', '  ', 400, 'empty_body'],
    ['an empty array', '[]', 400, 'empty_body'],
    ['an unterminated array', '[{"a":1}', 400, 'not_json'],
    ['a missing comma', '[{"a":1} {"b":2}]', 400, 'not_json'],
    ['text after the array', '[{"a":1}] x', 400, 'not_json'],
    ['an unterminated object', '{"a":1', 400, 'not_json'],
    ['too many events in an array', `[${Array(11).fill('{}').join(',')}]`, 413, 'too_many_events'],
    ['too many values', '{} '.repeat(11), 413, 'too_many_events'],
  ])('refuses %s', (_name, text, status, code) => {
    expect(splitEvents(text, 'json', 10)).toMatchObject({ ok: false, refusal: { status, code } });
  });

  it('stops at the limit without scanning a huge array to its end', () => {
    const text = `[${Array(100_000).fill('{"event":"a"}').join(',')}]`;
    expect(splitEvents(text, 'json', 1_000)).toMatchObject({ ok: false, refusal: { status: 413 } });
    expect(splitEvents(`${'{"a":1}\n'.repeat(11)}`, 'ndjson', 10)).toMatchObject({ ok: false, refusal: { status: 413 } });
  });
});

describe('splitting a batch', () => {
  it("gives each item's text", () => {
    const body = '{"events":[{"kind":"usage","key":"a","event":{"event":"x"}}, {"kind":"usage"}]}';
    expect(splitBatch(body, 10)).toEqual({ ok: true, value: ['{"kind":"usage","key":"a","event":{"event":"x"}}', '{"kind":"usage"}'] });
  });

  it.each([
    ['an array', '[{}]', 'bad_batch'],
    ['no events', '{"items":[]}', 'bad_batch'],
    ['events twice', '{"events":[],"events":[{}]}', 'not_json'],
    ['empty events', '{"events":[]}', 'empty_body'],
    ['too many', `{"events":[${Array(11).fill('{}').join(',')}]}`, 'too_many_events'],
  ])('refuses %s', (_name, text, code) => {
    expect(splitBatch(text, 10)).toMatchObject({ ok: false, refusal: { code } });
  });
});
