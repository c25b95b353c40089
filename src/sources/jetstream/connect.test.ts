import { describe, expect, it } from 'vitest';
import { ONE_SHOT_START_RETRY_S, startRetryLimitS, worthRetrying } from './connect.js';
import { loadConfig } from '../../config/load.js';

describe('how long start-up waits for NATS', () => {
  it('empty lets the command decide: a worker for ever, a one-shot command briefly', () => {
    expect(startRetryLimitS('', 'forever')).toBe(Infinity);
    expect(startRetryLimitS('', ONE_SHOT_START_RETRY_S)).toBe(10);
  });

  it('a configured limit wins over the command', () => {
    expect(startRetryLimitS(30, 'forever')).toBe(30);
    expect(startRetryLimitS(0, 'forever')).toBe(0);
    expect(startRetryLimitS('forever', ONE_SHOT_START_RETRY_S)).toBe(Infinity);
  });

  it('NATS_START_RETRY_S takes seconds, "forever" or nothing, and names itself otherwise', () => {
    const load = (value: string) => loadConfig({ env: { NATS_START_RETRY_S: value } }).nats.startRetryS;
    expect(load('45')).toBe(45);
    expect(load('forever')).toBe('forever');
    expect(load('')).toBe('');
    expect(() => load('soon')).toThrow(/nats\.startRetryS \(NATS_START_RETRY_S\) = "soon": must be empty/);
    expect(() => load('-1')).toThrow(/NATS_START_RETRY_S/);
  });
});

describe('which failed first connects are retried', () => {
  it('a server not there yet is', () => {
    expect(worthRetrying(Object.assign(new Error('connection refused'), { name: 'ConnectionError' }))).toBe(true);
    expect(worthRetrying(new Error('getaddrinfo ENOTFOUND nats'))).toBe(true);
    expect(worthRetrying(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))).toBe(true);
  });

  it('a wrong credential or TLS setup is not: waiting cannot fix it', () => {
    expect(worthRetrying(Object.assign(new Error("'Authorization Violation'"), { name: 'AuthorizationError' }))).toBe(false);
    expect(worthRetrying(new Error('unable to verify the first certificate'))).toBe(false);
    expect(worthRetrying(new Error('server does not support TLS'))).toBe(false);
  });
});
