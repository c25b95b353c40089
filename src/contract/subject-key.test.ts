import { describe, expect, it } from 'vitest';
import { checkKey } from './subject-key.js';

// nats.js decodes a subject's bytes without `fatal`: this is what the worker sees.
const asNatsDecodes = (bytes: number[]) => new TextDecoder().decode(new Uint8Array(bytes));

describe('subject keys', () => {
  it.each([
    ['ascii', 'pump-1'],
    ['unicode letters', 'wärmepumpe-東京'],
    ['an emoji (a surrogate pair)', 'dev-🚀'],
    ['punctuation', 'a_b:c~d'],
    ['a star inside a token (literal in NATS)', 'dev*1'],
  ])('accepts %s', (_name, key) => {
    expect(checkKey(key)).toBeUndefined();
  });

  it.each([
    ['an invalid UTF-8 byte', asNatsDecodes([0x64, 0xff, 0x76]), 'not valid UTF-8'],
    ['a truncated sequence', asNatsDecodes([0x64, 0xe2, 0x82]), 'not valid UTF-8'],
    ['an overlong encoding', asNatsDecodes([0xc0, 0xaf]), 'not valid UTF-8'],
    ['NUL', 'd\u0000v', 'control character U+0000 at character 1'],
    ['a bell', 'd\u0007', 'U+0007'],
    ['DEL', 'd\u007f', 'U+007F'],
    ['a C1 control', 'd\u0085', 'U+0085'],
    ['U+FFFD itself', 'd\ufffd', 'not valid UTF-8'],
    ['nothing', '', 'is empty'],
    ['the one-token wildcard', '*', 'is a wildcard'],
    ['the many-token wildcard', '>', 'is a wildcard'],
    ['a dot (two tokens)', 'a.b', 'a dot at character 1'],
    ['a space', 'a b', 'a space at character 1'],
    ['a tab', 'a\tb', 'U+0009'],
  ])('refuses %s', (_name, key, detail) => {
    expect(checkKey(key)).toContain(detail);
  });

  it('names the key escaped, so the detail is a safe header value', () => {
    expect(checkKey('d\u0000v')).toBe('subject key holds control character U+0000 at character 1 of key "d\\u0000v"');
  });
});
