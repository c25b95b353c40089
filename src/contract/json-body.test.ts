import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonBody } from './json-body.js';

const parse = (text: string) => parseJsonBody(new TextEncoder().encode(text));

describe('JSON bodies', () => {
  it.each([
    ['a metrics body', '{"ts":"2026-11-23T19:20:00Z","metrics":{"a":1,"b":2},"labels":{"site":"n"}}'],
    ['the same key in different objects', '{"metrics":{"a":1},"labels":{"a":"x"}}'],
    ['a string value equal to a key', '{"a":"a","b":{"a":"b"}}'],
    ['escaped quotes and backslashes', '{"a\\"b":"c\\\\","d":"\\"","e\\\\":1}'],
    ['a valid surrogate pair', '{"a":"\\ud83d\\ude80"}'],
    ['arrays', '{"a":[1,"x",{"a":1},[{"b":2}]]}'],
    ['whitespace', ' { "a" : 1 , "b" : [ ] , "c" : { } } '],
    ['a __proto__ key as data', '{"__proto__":{"x":1},"constructor":2}'],
    ['a scalar', '"x"'],
  ])('accepts %s', (_name, text) => {
    const result = parse(text);
    expect(result).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it.each([
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'not_json', 'body is not valid UTF-8'],
    ['not JSON', 'nope', 'not_json', 'is not valid JSON'],
    ['a repeated metric', '{"metrics":{"a":1,"a":2}}', 'schema', '/metrics/a: duplicate key'],
    ['a repeated top-level key', '{"metrics":{"a":1},"metrics":{"b":1}}', 'schema', '/metrics: duplicate key'],
    ['a repeat inside an array', '{"x":[{"k":1},{"k":1,"k":"2"}]}', 'schema', '/x/1/k: duplicate key'],
    ['a repeat spelled with an escape', '{"m":{"a":1,"\\u0061":2}}', 'schema', '/m/a: duplicate key'],
    ['a repeat with a slash in the key', '{"a/b":1,"a/b":1}', 'schema', '/a~1b: duplicate key'],
    ['a lone high surrogate in a label', '{"metrics":{"a":1},"labels":{"site":"\\ud800"}}', 'schema', '/labels/site: lone surrogate'],
    ['a lone low surrogate', '{"a":["x","\\udc00y"]}', 'schema', '/a/1: lone surrogate'],
    ['a lone surrogate in a key', '{"m":{"\\ud800":1}}', 'schema', '/m/\\ud800: lone surrogate'],
    ['a reversed pair', '{"a":"\\ude80\\ud83d"}', 'schema', '/a: lone surrogate'],
    ['deep nesting', `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`, 'schema', 'nested deeper than 64 levels'],
  ])('dead-letters %s', (_name, body, reason, detail) => {
    const result = typeof body === 'string' ? parse(body) : parseJsonBody(body);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.detail).toContain(detail);
  });

  it('survives nesting far beyond the limit without a stack overflow', () => {
    const n = 30_000;
    expect(parse(`${'['.repeat(n)}${']'.repeat(n)}`)).toMatchObject({ ok: false, reason: 'schema' });
  });
});
