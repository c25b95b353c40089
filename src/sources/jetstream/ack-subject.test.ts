import { describe, expect, it } from 'vitest';
import { parseAckSubject } from './ack-subject.js';

/** The client's own reading of the same subject, as `msg.info` does it (jsmsg.ts parseInfo). */
function clientParse(subject: string): { streamSequence: number; pending: number; timestampMs: number } {
  const tokens = subject.split('.');
  if (tokens.length === 9) tokens.splice(2, 0, '_', '');
  return { streamSequence: Number(tokens[7]), pending: Number(tokens[10]), timestampMs: Number(BigInt(tokens[9]!) / 1_000_000n) };
}

describe('parseAckSubject', () => {
  it('reads the nine-token form', () => {
    const subject = '$JS.ACK.SIFT.sift_p3.1.48213.48100.1767225600123456789.917';
    expect(parseAckSubject(subject)).toEqual({ streamSequence: 48213, pending: 917, timestampMs: 1767225600123 });
    expect(parseAckSubject(subject)).toEqual(clientParse(subject));
  });

  it('reads the domain form, with and without its trailing token', () => {
    const withToken = '$JS.ACK.hub.ACCHASH.SIFT.sift_p3.2.7.6.1767225600999999999.0.Xy12';
    expect(parseAckSubject(withToken)).toEqual({ streamSequence: 7, pending: 0, timestampMs: 1767225600999 });
    expect(parseAckSubject(withToken)).toEqual(clientParse(withToken));
    expect(parseAckSubject('$JS.ACK._..SIFT.c.1.9007199254740991.5.1767225600000000001.12')).toEqual({
      streamSequence: 9007199254740991,
      pending: 12,
      timestampMs: 1767225600000,
    });
    expect(parseAckSubject('$JS.ACK.hub.ACC.SIFT.c.1.2.3.1767225600000000000.4.tok.future')).toMatchObject({
      streamSequence: 2,
      pending: 4,
    });
  });

  it('keeps the millisecond exact where the nanoseconds pass what a double holds', () => {
    // 1767225600999999999 ns as a double rounds up to the next millisecond.
    expect(Math.floor(Number('1767225600999999999') / 1e6)).toBe(1767225601000);
    expect(parseAckSubject('$JS.ACK.S.c.1.1.1.1767225600999999999.0')?.timestampMs).toBe(1767225600999);
  });

  it('refuses what is not an ack subject', () => {
    for (const subject of [
      '',
      '_INBOX.abc.1',
      '$JS.ACK.S.c.1.2.3.4',
      '$JS.ACK.S.c.1.2.3.1767225600000000000.4.5',
      '$JS.ACK.S.c.1.x.3.1767225600000000000.4',
      '$JS.ACK.S.c.1.2.3.1767225600000000000.',
      '$JS.ACK.S.c.1.2.3.123.4',
      '$JS.API.S.c.1.2.3.1767225600000000000.4',
    ]) {
      expect(parseAckSubject(subject), subject).toBeUndefined();
    }
  });
});
