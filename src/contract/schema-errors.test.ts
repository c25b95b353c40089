import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describeSchemaError } from './schema-errors.js';

const Message = Type.Object(
  {
    name: Type.String(),
    tags: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.String(), {
        additionalProperties: false,
        description: 'Lower-case tag names.',
      }),
    ),
    counts: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Number(), { additionalProperties: false })),
    status: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
  },
  { additionalProperties: false },
);
const validator = TypeCompiler.Compile(Message);
const describeFirst = (value: unknown) => describeSchemaError(validator.Errors(value).First()!);

describe('schema error details', () => {
  it.each([
    ['an unknown property', { name: 'a', colour: 1 }, '/: unexpected property "colour" (allowed: name, tags, counts, status)'],
    ['a value outside an enumeration', { name: 'a', status: 'done' }, '/status: "done" is not one of "success", "failure"'],
    [
      'a record key against its pattern, with the record description',
      { name: 'a', tags: { A: 'x' } },
      '/tags: name "A" is not allowed; Lower-case tag names.',
    ],
    ['a record key without a description', { name: 'a', counts: { A: 1 } }, '/counts: name "A" is not allowed (must match ^[a-z]+$)'],
    ['a key holding a slash and a tilde', { name: 'a', 'x/~y': 1 }, '/: unexpected property "x/~y"'],
    ['a key holding control characters', { name: 'a', 'x\u0000\n': 1 }, '/: unexpected property "x\\u0000\\n"'],
    ['a wrong type, with TypeBox’s words', { name: 1 }, '/name: Expected string'],
  ])('%s', (_name, value, detail) => {
    expect(describeFirst(value)).toContain(detail);
  });

  it('never carries a raw control character', () => {
    expect(describeFirst({ name: 'a', 'x\u0007': 1 })).not.toMatch(/[\u0000-\u001f]/);
  });
});
