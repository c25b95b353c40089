import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { parseStoredSubject } from '../../contract/stored-subject.js';
import { backoffDelay, sleep } from '../../util/timing.js';
import { deliveryOf } from './ack-subject.js';
import { heldPinId } from './held-pin-id.js';
import { consumeWithPullLimits, heldMessages, type HeldMessages, type PullLimits } from './pull-limits.js';
import { previousOwnerLeftGap, rewindToAckFloor, type TakeoverContext } from './takeover.js';

/**
 * A message as the source hands it over, parsed once: its stream sequence, the partition's backlog
 * after it, its arrival (JetStream's store time), the subject's kind and key, and its ack handle.
 * Nothing downstream reads the client's message, so nothing downstream knows the source.
 */
export class SourceMessage {
  readonly seq: number;
  /** This partition's messages still in the stream after this one, as the server counted them. */
  readonly pending: number;
  /** When the stream stored it, epoch ms. */
  readonly arrivedMs: number;
  readonly subject: string;
  /** The subject's kind and key; undefined when it is not <prefix>.<kind>.<partition>.<key>. */
  readonly kind: string | undefined;
  readonly key: string | undefined;
  /** Read once: the client makes a new view of the body at every read of msg.data. */
  readonly data: Uint8Array;

  constructor(private readonly msg: JsMsg) {
    // Sequence, backlog and arrival time read from the ack subject, without the client's split.
    const delivery = deliveryOf(msg);
    this.seq = delivery.streamSequence;
    this.pending = delivery.pending;
    this.arrivedMs = delivery.timestampMs;
    this.subject = msg.subject;
    const parsed = parseStoredSubject(msg.subject);
    this.kind = parsed?.kind;
    this.key = parsed?.key;
    this.data = msg.data;
  }

  arrivalMs(): number {
    return this.arrivedMs;
  }

  /** The producer's Nats-Msg-Id, read only when asked (headers cost to decode). */
  msgId(): string | undefined {
    return this.msg.headers?.get('Nats-Msg-Id') || undefined;
  }

  /** Acks this message (AckAll: every message of the partition up to it). */
  ack(): void {
    this.msg.ack();
  }

  /** Acks and waits for the server's confirmation. */
  ackAck(options?: { timeout?: number }): Promise<boolean> {
    return this.msg.ackAck(options);
  }
}

/** What the source hands its messages to. */
export interface MessageSink {
  /** Takes one message; a promise when the sink wants the source to wait before the next (backpressure). */
  take(msg: SourceMessage): Promise<void> | undefined;
  /** Highest sequence taken so far (its batches' acks cover everything up to it). */
  readonly highestTaken: number;
  /**
   * A pinned session begins (its first message is here): the sink takes the partition over (its
   * journal entry, what a previous owner left) before any message is handled. A throw ends the
   * session; it is retried with backoff. Whether another worker held the partition meanwhile (and
   * so whether keyed state must start afresh) is the journal's to tell, not the pin's: a worker
   * unpinned and pinned again with nobody between keeps its state.
   */
  sessionStarts(): Promise<void>;
}

export interface PartitionSourceOptions extends TakeoverContext {
  js: JetStreamClient;
  /** What the partition's pulls keep requested ahead of processing. */
  pull: PullLimits;
  group: string;
  /** Pull expiry: see pullExpiresMs. */
  expiresMs: number;
}

/** Long enough that an idle partition costs few pull requests; short enough that a worker notices a lost pin quickly. */
export const PULL_EXPIRES_MS = 5_000;

/**
 * A pull's expiry under a pin TTL: the server unpins a client that sent no pull request for the
 * TTL, so a pull that expires later than that unpins a live worker every TTL (seen with a 2 s TTL
 * and 5 s pulls: each unpin reset the filter, and most stored rows became first contacts).
 */
export const pullExpiresMs = (pinnedTtlMs: number): number => Math.min(PULL_EXPIRES_MS, Math.floor(pinnedTtlMs / 3));

/**
 * Pulls one partition's messages as the pinned client of its priority group and hands them to a
 * sink, one session at a time: a session starts with a check for messages a previous owner left
 * unacked (then the consumer is rewound), and restarts after errors with backoff. Knows nothing of
 * batches, kinds or ClickHouse.
 */
export class PartitionSource {
  /** Whether the server has this worker pinned for the partition (so releasing it should unpin). */
  pinned = false;
  private messages: ConsumerMessages | undefined;
  private stopping = false;
  /** Set when this worker (again) becomes the partition's pinned client: check for a gap first. */
  private sessionStarts = true;
  /** The pin id the current session began under. */
  private sessionPin: string | undefined;
  /** The last session ended in a rewind: the next one starts with redeliveries, in order. */
  private rewound = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: PartitionSourceOptions) {}

  start(sink: MessageSink): void {
    this.loop ??= this.run(sink);
  }

  /** Ends the current consume: the next one begins a new session, with its takeover. */
  restartSession(): void {
    this.messages?.stop();
  }

  /** Stops pulling; resolves once the loop has handed over its last message. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop();
    await this.loop;
  }

  private async run(sink: MessageSink): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      try {
        const consumer: Consumer = await this.o.js.consumers.get(this.o.stream, this.o.consumer);
        const feed = new Feed((msg) => this.handle(msg, sink, feed));
        // Read-ahead bounded in bytes as well as messages: with many partitions, a count bound alone let
        // the server's buffer for this connection pass its max_pending, and the server dropped the
        // worker as a slow consumer.
        const { messages, fixedSize } = await consumeWithPullLimits(consumer, this.o.pull, {
          group: this.o.group,
          expires: this.o.expiresMs,
          callback: feed.push,
        });
        feed.messages = messages;
        feed.held = heldMessages(messages);
        this.messages = messages;
        if (!fixedSize) this.o.log.debug('this NATS client takes no message bound with a byte bound: pulls ask for 100 messages');
        if (this.stopping) messages.stop();
        void this.watchStatus(messages);
        attempt = 0;
        this.sessionStarts = true;
        const ended = await messages.closed();
        // Messages still queued are left to the next session's gap check; the one being handled (a
        // rewind, say) finishes before the next consume starts.
        feed.close();
        await feed.settled();
        if (feed.error !== undefined) throw feed.error;
        if (ended instanceof Error) throw ended;
      } catch (error) {
        if (this.stopping) break;
        const delay = backoffDelay(attempt++, { initialMs: 500, maxMs: 15_000 });
        this.o.log.warn({ err: (error as Error).message, delayMs: delay }, 'consume failed, retrying');
        await sleep(delay, this.o.signal);
      }
    }
  }

  /**
   * One message of a session, in order. Its first message waits for the takeover and the check
   * for what a previous owner left; a gap ends the session in a rewind (the consume stops and the
   * next one starts at the ack floor). Resolves when the sink is ready for the next message.
   */
  private handle(msg: JsMsg, sink: MessageSink, feed: Feed): Promise<void> | undefined {
    // A new pin is seen here, at its first message, not when its status comes (after the messages
    // that came with it): taken in the old session, they were judged and batched before the
    // takeover, and in one run a message was acked without rows.
    const pin = heldPinId(feed.messages);
    if (pin !== this.sessionPin) {
      this.sessionPin = pin;
      this.sessionStarts = true;
    }
    if (!this.sessionStarts) return sink.take(new SourceMessage(msg));
    this.sessionStarts = false;
    return this.beginSession(msg, sink, feed);
  }

  private async beginSession(msg: JsMsg, sink: MessageSink, feed: Feed): Promise<void> {
    await sink.sessionStarts();
    const justRewound = this.rewound;
    this.rewound = false;
    if (await previousOwnerLeftGap(this.o, msg, sink.highestTaken, justRewound)) {
      feed.close();
      feed.messages?.stop();
      await rewindToAckFloor(this.o);
      this.rewound = true;
      return;
    }
    const wait = sink.take(new SourceMessage(msg));
    if (wait) await wait;
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type === 'consumer_pinned' || status.type === 'consumer_unpinned') {
        this.o.log[status.type === 'consumer_pinned' ? 'debug' : 'info']({ status: status.type }, 'partition pin changed');
        this.pinned = status.type === 'consumer_pinned';
      } else if (status.type === 'heartbeats_missed' || status.type === 'consumer_not_found' || status.type === 'stream_not_found') {
        this.o.log.warn({ status }, 'consumer status');
      }
    }
  }
}

/**
 * A consume's messages handed to `handle` one at a time, in order, from the client's callback:
 * while `handle` makes the source wait (backpressure, a takeover), later messages queue here and
 * count against the read-ahead (heldMessages), so the client pulls no more while they wait. Not the
 * client's iterator, which costs a promise and an iterator result per message.
 */
class Feed {
  messages: ConsumerMessages | undefined;
  /** Queued messages counted against the read-ahead (see heldMessages). */
  held: HeldMessages | undefined;
  /** What ended the session from the handling side (the takeover failed, say); the consume is stopped. */
  error: unknown;
  private readonly queue: JsMsg[] = [];
  private head = 0;
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly handle: (msg: JsMsg) => Promise<void> | undefined) {}

  /** The client's callback: runs synchronously for each message it receives. */
  readonly push = (msg: JsMsg): void => {
    if (this.closed) return;
    if (this.draining) {
      this.queue.push(msg);
      this.held?.hold();
      return;
    }
    try {
      const wait = this.handle(msg);
      if (wait) this.draining = this.drainAfter(wait);
    } catch (error) {
      this.fail(error);
    }
  };

  /** No more messages are handled (the rest are delivered again after their ack wait or a rewind). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.head = 0;
  }

  /** Resolves once no message is being handled. */
  settled(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drainAfter(wait: Promise<void>): Promise<void> {
    try {
      await wait;
      while (!this.closed && this.head < this.queue.length) {
        const msg = this.queue[this.head]!;
        this.queue[this.head++] = undefined as unknown as JsMsg;
        this.held?.release();
        // A backlog can keep the queue busy for a long time: drop the handled front now and then.
        if (this.head >= 4_096) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        const next = this.handle(msg);
        if (next) await next;
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.queue.length = 0;
      this.head = 0;
      this.draining = undefined;
    }
  }

  private fail(error: unknown): void {
    this.error ??= error;
    this.close();
    this.messages?.stop();
  }
}
