import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../package-root.js';

// patches/@nats-io+nats-core+<version>.patch makes the client's protocol parser read a message's
// argument line without an array and a view per token, finding its end natively rather than byte
// by byte (docs/upstream/nats-core-msg-args.md).
// These fail when an upgrade moves the patched code, so the patch is redone or dropped rather
// than silently not applied, and they check the patched parser reads what the original did.
const require = createRequire(import.meta.url);
const coreDir = dirname(dirname(require.resolve('@nats-io/nats-core')));
const installedVersion = (JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8')) as { version: string }).version;

interface MsgArg {
  subject: Uint8Array;
  reply?: Uint8Array;
  sid: number;
  hdr: number;
  size: number;
}
interface ParserLike {
  parse(buf: Uint8Array): void;
}
const { Parser } = require('@nats-io/nats-core/internal') as {
  Parser: new (dispatcher: { push(e: { msg?: MsgArg; data?: Uint8Array }): void }) => ParserLike;
};

/** What the parser hands over for `chunks` of protocol text, read as the connection would. */
function parsed(
  ...chunks: string[]
): { subject: string; reply: string | undefined; sid: number; hdr: number; size: number; data: string }[] {
  const out: ReturnType<typeof parsed> = [];
  const text = new TextDecoder();
  const parser = new Parser({
    push: ({ msg, data }) => {
      if (msg)
        out.push({
          subject: text.decode(msg.subject),
          reply: msg.reply && text.decode(msg.reply),
          sid: msg.sid,
          hdr: msg.hdr,
          size: msg.size,
          data: text.decode(data),
        });
    },
  });
  for (const chunk of chunks) parser.parse(Buffer.from(chunk));
  return out;
}

describe('the @nats-io/nats-core message-argument patch', () => {
  it('is made for the installed client version', () => {
    const patches = readdirSync(join(packageRoot, 'patches')).filter((f) => f.startsWith('@nats-io+nats-core+'));
    expect(patches).toEqual([`@nats-io+nats-core+${installedVersion}.patch`]);
  });

  it('is applied: both argument readers use the reused token bounds', () => {
    const source = readFileSync(join(coreDir, 'lib', 'parser.js'), 'utf8');
    expect(source).toContain('switch (this.argTokens(arg, 4)) {');
    expect(source).toContain('switch (this.argTokens(arg, 5)) {');
    expect(source).not.toContain('args.push(');
    expect(source).toContain('const nl = buf.indexOf(exports.cc.NL, i);');
  });

  it('reads MSG and HMSG lines, with and without a reply, whole or split across reads', () => {
    const hmsg = 'HMSG telemetry.metrics.d-1 7 $JS.ACK.S.c.1.42.42.1700000000000000000.0 12 17\r\nNATS/1.0\r\n\r\nhello\r\n';
    const expected = {
      subject: 'telemetry.metrics.d-1',
      reply: '$JS.ACK.S.c.1.42.42.1700000000000000000.0',
      sid: 7,
      hdr: 12,
      size: 17,
      data: 'NATS/1.0\r\n\r\nhello',
    };
    expect(parsed(hmsg)).toEqual([expected]);
    const lineEnd = hmsg.indexOf('\r\n');
    for (const at of [3, 20, 60, lineEnd, lineEnd + 1, lineEnd + 2, 95])
      expect(parsed(hmsg.slice(0, at), hmsg.slice(at))).toEqual([expected]);
    expect(parsed(...hmsg.split(''))).toEqual([expected]);
    expect(parsed(hmsg + hmsg.slice(0, 40), hmsg.slice(40) + hmsg)).toEqual([expected, expected, expected]);
    expect(parsed('HMSG a.b 3 12 17\r\nNATS/1.0\r\n\r\nhello\r\n')).toEqual([{ ...expected, subject: 'a.b', reply: undefined, sid: 3 }]);
    expect(parsed('MSG a.b\t9  r.s 5\r\nhello\r\nMSG c 10 2\r\nhi\r\n')).toEqual([
      { subject: 'a.b', reply: 'r.s', sid: 9, hdr: -1, size: 5, data: 'hello' },
      { subject: 'c', reply: undefined, sid: 10, hdr: -1, size: 2, data: 'hi' },
    ]);
  });

  it('refuses argument lines the original refused', () => {
    expect(() => parsed('MSG a 1\r\n')).toThrow(/processMsgArgs Parse Error/);
    expect(() => parsed('MSG a 1 r 5 extra\r\n')).toThrow(/processMsgArgs Parse Error/);
    expect(() => parsed('MSG a x 5\r\n')).toThrow(/Bad or Missing Sid/);
    expect(() => parsed('MSG a 1 1234567890123456\r\n')).toThrow(/Bad or Missing Size/);
    expect(() => parsed('HMSG a 1 r 20 10\r\n')).toThrow(/Bad or Missing Header Size/);
    expect(() => parsed('HMSG a 1 r 1 2 3\r\n')).toThrow(/processHeaderMsgArgs Parse Error/);
  });
});
