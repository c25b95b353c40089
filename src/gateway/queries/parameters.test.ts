import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { expectation, filterParameter, hoursParameter, parameterError } from './parameters.js';

describe('parameter errors', () => {
  it('says what a parameter must be from its schema', () => {
    expect(expectation(hoursParameter(720))).toBe('an integer from 1 to 720');
    expect(expectation(filterParameter('endpoint'))).toBe('a string of at most 256 characters');
    expect(expectation(Type.String({ minLength: 1, maxLength: 64 }))).toBe('a string of 1 to 64 characters');
  });

  it('names the parameter in one message, once however many rules it broke', () => {
    const format = parameterError({ querystring: Type.Object({ hours: hoursParameter(168), endpoint: filterParameter('endpoint') }) });
    const error = format(
      [
        { keyword: 'type', instancePath: '/hours', schemaPath: '', params: {}, message: 'must be integer' },
        { keyword: 'minimum', instancePath: '/hours', schemaPath: '', params: {}, message: 'must be >= 1' },
      ],
      'querystring',
    );
    expect(error.message).toBe('hours must be an integer from 1 to 168');
  });
});
