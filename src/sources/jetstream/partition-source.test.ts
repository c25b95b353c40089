import type { JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { describe, expect, it, vi } from 'vitest';
import { SourceMessage } from './partition-source.js';

/** A client message as the consume callback hands it over: the reply subject carries the delivery. */
function jsMsg(subject: string, reply: string, over: Partial<JsMsg> = {}): JsMsg {
  return {
    subject,
    reply,
    data: new TextEncoder().encode('{"v":1}'),
    headers: undefined,
    ack: vi.fn(),
    ackAck: vi.fn(async () => true),
    ...over,
  } as unknown as JsMsg;
}

describe('the source hands over a parsed message', () => {
  it('reads sequence, backlog and arrival from the ack subject, kind and key from the stored subject', () => {
    const m = new SourceMessage(jsMsg('telemetry.metrics.7.dev-42', '$JS.ACK.SIFT.sift-p007.1.1234.99.1767225600123456789.17'));
    expect({ seq: m.seq, pending: m.pending, arrival: m.arrivalMs(), kind: m.kind, key: m.key, subject: m.subject }).toEqual({
      seq: 1234,
      pending: 17,
      arrival: 1767225600123,
      kind: 'metrics',
      key: 'dev-42',
      subject: 'telemetry.metrics.7.dev-42',
    });
    expect(new TextDecoder().decode(m.data)).toBe('{"v":1}');
  });

  it('reads the domain form of the ack subject', () => {
    const m = new SourceMessage(jsMsg('telemetry.api.0.svc', '$JS.ACK.hub.ACCOUNT.SIFT.sift-p000.2.55.3.1767225600000000000.0.token'));
    expect([m.seq, m.pending, m.arrivalMs()]).toEqual([55, 0, 1767225600000]);
  });

  it('leaves kind and key undefined for a subject not of the stored shape (the router dead-letters it)', () => {
    const m = new SourceMessage(jsMsg('telemetry.metrics.dev-42', '$JS.ACK.SIFT.sift-p000.1.5.5.1767225600000000000.0'));
    expect([m.kind, m.key]).toEqual([undefined, undefined]);
  });

  it("falls back to the client's parse when the reply is not an ack subject", () => {
    const info = { pending: 3, timestampNanos: 1_767_225_600_999_000_000 };
    const m = new SourceMessage(jsMsg('telemetry.job.1.j', '_INBOX.x', { seq: 9, info } as unknown as Partial<JsMsg>));
    expect([m.seq, m.pending, m.arrivalMs()]).toEqual([9, 3, 1767225600999]);
  });

  it("reads the producer's message id only when asked, and acks through the client message", async () => {
    const h = headers();
    h.set('Nats-Msg-Id', 'order-1');
    const raw = jsMsg('telemetry.usage.0.app', '$JS.ACK.SIFT.sift-p000.1.5.5.1767225600000000000.0', { headers: h });
    const m = new SourceMessage(raw);
    expect(m.msgId()).toBe('order-1');
    m.ack();
    expect(raw.ack).toHaveBeenCalledTimes(1);
    expect(await m.ackAck({ timeout: 1 })).toBe(true);
    expect(raw.ackAck).toHaveBeenCalledWith({ timeout: 1 });
  });
});
