import { describe, expect, it } from 'vitest';
import { ClickHouseError } from '@clickhouse/client';
import { classifyInsertError, isRetriable } from './retry.js';

const chError = (code: string) => new ClickHouseError({ message: 'x', code, type: 'X' });

describe('insert error classifier', () => {
  it.each([
    ['27', 'bad_data'],
    ['53', 'bad_data'],
    ['516', 'auth'],
    ['60', 'schema'],
    ['252', 'overload'],
    ['159', 'timeout'],
    ['1000', 'server'],
  ])('ClickHouse code %s is %s', (code, expected) => {
    expect(classifyInsertError(chError(code))).toBe(expected);
  });

  it('treats socket errors as network and timeouts as timeout', () => {
    expect(classifyInsertError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('network');
    expect(classifyInsertError(new Error('Timeout error.'))).toBe('timeout');
  });

  it('retries everything but bad data', () => {
    expect(isRetriable('bad_data')).toBe(false);
    expect(isRetriable('network')).toBe(true);
    expect(isRetriable('auth')).toBe(true);
  });
});
