import type { JsMsg } from '@nats-io/jetstream';

/** What Sift reads of a JetStream message's delivery, from its ack (reply) subject. */
export interface AckSubjectFields {
  streamSequence: number;
  /** Messages left in the stream for this consumer after this one, as the server counted them. */
  pending: number;
  /** When the message was stored in the stream, epoch ms (floor of the nanosecond stamp). */
  timestampMs: number;
}

/** Dot positions of the subject being read; at most 12 tokens are looked at. */
const dots = new Int32Array(11);

/**
 * Reads `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` or the domain form
 * `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>.<token>…`
 * without splitting it: the client's own parse (`msg.seq`, `msg.info`) builds an array of every
 * token and an object of ten fields for each message. Undefined when it is not an ack subject.
 */
export function parseAckSubject(subject: string): AckSubjectFields | undefined {
  if (!subject.startsWith('$JS.ACK.')) return undefined;
  let count = 0;
  for (let at = subject.indexOf('.'); at !== -1 && count < dots.length; at = subject.indexOf('.', at + 1)) dots[count++] = at;
  // Token i runs from dots[i - 1] + 1 to dots[i]; the nine-token form has 8 dots, the domain form 10 or more.
  let first: number;
  if (count === 8) first = 5;
  else if (count >= 10) first = 7;
  else return undefined;
  const streamSequence = digits(subject, dots[first - 1]! + 1, dots[first]!);
  const nanosEnd = dots[first + 2]!;
  // Dropping the last six digits of the nanoseconds gives exact ms, past what a double holds in ns.
  const timestampMs = digits(subject, dots[first + 1]! + 1, nanosEnd - 6);
  // Pending is the last token unless the domain form carries its trailing token.
  const pending = digits(subject, nanosEnd + 1, count === first + 3 ? subject.length : dots[first + 3]!);
  if (streamSequence < 0 || timestampMs < 0 || pending < 0) return undefined;
  return { streamSequence, pending, timestampMs };
}

/** The decimal number in subject[start, end), or -1 when that is empty or not all digits. */
function digits(subject: string, start: number, end: number): number {
  if (end <= start) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = subject.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A message's delivery fields: from its ack subject, else as the client parses them. */
export function deliveryOf(msg: JsMsg): AckSubjectFields {
  // The client's message has the reply subject as a getter its JsMsg type does not declare.
  const reply = (msg as JsMsg & { reply?: string }).reply;
  return (
    (typeof reply === 'string' ? parseAckSubject(reply) : undefined) ?? {
      streamSequence: msg.seq,
      pending: msg.info.pending,
      timestampMs: Math.floor(msg.info.timestampNanos / 1_000_000),
    }
  );
}
