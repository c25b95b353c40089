import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { clickhouseLogClass } from './client-log.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()),
  });
  const Logger = clickhouseLogClass(pino({ level }, stream));
  return { log: new Logger(), lines };
}

describe("the ClickHouse client's own log lines", () => {
  it('a failed request is not logged at the default level: the caller reports it in its own line', () => {
    const { log, lines } = capture('info');
    log.error({ module: 'Connection', message: 'Query: HTTP request error.', err: new Error('Unknown setting param_db') });
    expect(lines).toEqual([]);
  });

  it('it is still there at debug level, and other client errors keep their level', () => {
    const { log, lines } = capture('debug');
    log.error({ module: 'Connection', message: 'Query: HTTP request error.', err: new Error('Unknown setting param_db') });
    log.error({ module: 'Connection', message: 'Query: an error occurred while housekeeping the idle sockets', err: new Error('boom') });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [20, 'Query: HTTP request error.'],
      [50, 'Query: an error occurred while housekeeping the idle sockets'],
    ]);
  });
});
