import type { IncomingMessage, KindHandler } from '../kinds/kind.js';
import { parseStoredSubject, type StoredMessage } from '../contract/stored-subject.js';
import { checkKey } from '../contract/subject-key.js';
import type { PartitionBatch } from './partition-batch.js';
import type { DeadLetterReason } from './result.js';

/** A message as the router sees it: enough to route and dead-letter it. */
export interface RoutedMessage {
  subject: string;
  /** The subject's kind and key tokens, parsed once by whoever read the message; undefined when the subject is not <prefix>.<kind>.<partition>.<key>. */
  readonly kind: string | undefined;
  readonly key: string | undefined;
  data: Uint8Array;
  seq: number;
  arrivalMs(): number;
  /** The producer's Nats-Msg-Id, read only when the message is dead-lettered (headers cost to decode). */
  msgId?(): string | undefined;
}

export type { StoredMessage };

/** A stored message as the router takes it, its subject parsed. */
export function routedFromStored(stored: StoredMessage): RoutedMessage {
  const parsed = parseStoredSubject(stored.subject);
  return {
    subject: stored.subject,
    kind: parsed?.kind,
    key: parsed?.key,
    data: stored.data,
    seq: stored.seq,
    arrivalMs: () => stored.timestampMs,
    msgId: () => stored.msgId,
  };
}

/** The kind as a metric label: known kinds by name, anything else as "unknown" (subjects are input). */
export const kindLabelOf = (handlers: ReadonlyMap<string, unknown>, kind: string | undefined): string =>
  kind !== undefined && handlers.has(kind) ? kind : 'unknown';

/** Where the router sends what it cannot hand to a kind. */
export interface DeadLetterSink {
  deadLetter(batch: PartitionBatch, kind: string, message: RoutedMessage, reason: DeadLetterReason, detail: string): void;
}

/**
 * Hands each message to its kind's handler and records the result in the batch: a subject of
 * the wrong shape, an oversize body or an unknown kind is dead-lettered here, before any kind sees it.
 */
export class Router {
  constructor(
    private readonly handlers: ReadonlyMap<string, KindHandler>,
    private readonly maxMsgBytes: number,
    private readonly deadLetters: DeadLetterSink,
  ) {}

  /** The kind as a metric label: known kinds by name, anything else as "unknown" (subjects are input). */
  kindLabel(kind: string | undefined): string {
    return kindLabelOf(this.handlers, kind);
  }

  /** Routes a message; returns its kind as a metric label. */
  route(message: RoutedMessage, batch: PartitionBatch): string {
    const { kind, key } = message;
    if (kind === undefined || key === undefined) {
      this.deadLetters.deadLetter(
        batch,
        '_invalid',
        message,
        'bad_subject',
        `subject "${message.subject}" is not <prefix>.<kind>.<partition>.<key>`,
      );
      return this.kindLabel(undefined);
    }
    // One lookup serves both the label and the hand-over.
    const handler = this.handlers.get(kind);
    this.dispatch({ kind, key }, handler, message, batch);
    return handler ? kind : this.kindLabel(undefined);
  }

  private dispatch(
    parsed: { kind: string; key: string },
    handler: KindHandler | undefined,
    message: RoutedMessage,
    batch: PartitionBatch,
  ): void {
    const badKey = checkKey(parsed.key);
    if (badKey !== undefined) return this.deadLetters.deadLetter(batch, parsed.kind, message, 'bad_key', badKey);
    if (message.data.length > this.maxMsgBytes) {
      return this.deadLetters.deadLetter(
        batch,
        parsed.kind,
        message,
        'oversize',
        `body is ${message.data.length} bytes, the limit is ${this.maxMsgBytes}`,
      );
    }
    if (!handler) {
      const known = [...this.handlers.keys()].join(', ');
      return this.deadLetters.deadLetter(
        batch,
        parsed.kind,
        message,
        'unknown_kind',
        `no handler for kind "${parsed.kind}" (known: ${known})`,
      );
    }
    batch.kind = parsed.kind;
    const result = handler.accept(message as IncomingMessage, batch);
    if (result.type === 'dead_letter') this.deadLetters.deadLetter(batch, parsed.kind, message, result.reason, result.detail);
    else batch.handled(message.seq, parsed.kind, result);
  }
}
