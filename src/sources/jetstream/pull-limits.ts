import type { ConsumeOptions, Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/** How much one partition's pulls keep requested ahead of processing. */
export interface PullLimits {
  /** Messages, so each pull request asks for many at once. */
  messages: number;
  /** Bytes, so large messages cannot fill the server's buffer for this connection. */
  bytes: number;
}

/** Smallest byte budget of a partition: a whole message of up to the server's default max_payload (1 MiB) must fit. */
const MIN_PULL_BYTES = 2 * 1024 * 1024;
/** Fewest messages a partition pulls for: the client's own default. */
const MIN_PULL_MESSAGES = 100;

/** One partition's share of the worker's read-ahead budget. */
export function pullLimits(readAheadMessages: number, readAheadBytes: number, partitions: number): PullLimits {
  return {
    messages: Math.max(MIN_PULL_MESSAGES, Math.floor(readAheadMessages / partitions)),
    bytes: Math.max(MIN_PULL_BYTES, Math.floor(readAheadBytes / partitions)),
  };
}

/** The parts of the client's consume iterator it consults before every pull request. */
interface PullingIterator {
  opts?: { max_messages?: unknown; threshold_messages?: unknown; max_bytes?: unknown };
  pullOptions?: () => { max_bytes?: number };
  /** What the outstanding pulls may still bring; the client pulls again once it is down to the threshold. */
  pending?: { msgs?: unknown };
  pull?: (options: unknown) => void;
  /** Takes the server's silence for a lost pull after two missed idle heartbeats. */
  monitor?: { callback?: unknown; work?: () => void } | null;
}

/** Messages handed over by the client but still waiting in the consumer's own queue. */
export interface HeldMessages {
  /** One more message waits in the queue: it still counts against the read-ahead. */
  hold(): void;
  /** A held message was handled: its room goes back to the read-ahead, pulling again when the client would. */
  release(): void;
}

/**
 * Makes a consume's read-ahead bound the messages received but not yet handled, not only those on
 * their way: the client counts a message as read once its callback returns, and pulls more while
 * the messages it handed over wait in a queue behind a slow insert. Measured at a 1M backlog, a
 * partition's queue reached 14,770 messages against a read-ahead of 4,096, and the client's
 * re-pulls were bounded only by max_ack_pending. Held messages are counted as still pending in
 * the client's own count; releasing one pulls again where the client would have (it checks only
 * when a message arrives, and none may be on the way). Undefined when this client version keeps
 * its pull state differently (a test fails then).
 */
export function heldMessages(messages: ConsumerMessages): HeldMessages | undefined {
  const iterator = messages as unknown as PullingIterator;
  const { pending, opts, pull, pullOptions } = iterator;
  if (
    !pending ||
    typeof pending.msgs !== 'number' ||
    !opts ||
    typeof opts.threshold_messages !== 'number' ||
    typeof pull !== 'function' ||
    typeof pullOptions !== 'function'
  )
    return undefined;
  // Read afresh each time: the client may reset the counts (a reconnect).
  const counts = () => iterator.pending as { msgs: number };
  let held = 0;
  quietWhileHolding(iterator, () => held > 0);
  return {
    hold: () => {
      held++;
      counts().msgs++;
    },
    release: () => {
      if (held > 0) held--;
      const state = counts();
      if (state.msgs > 0) state.msgs--;
      if (state.msgs <= (opts.threshold_messages as number)) iterator.pull!(iterator.pullOptions!());
    },
  };
}

/**
 * While held messages fill the read-ahead no pull is open, so the server is silent by our choice.
 * The client took that silence for two missed heartbeats, forgot every held message and pulled a
 * whole read-ahead again, after asking for the consumer's info, each reset letting the read-ahead
 * grow by a partition's share. While anything is held the missed beats are let go; once nothing
 * is, the monitor judges as before.
 */
function quietWhileHolding(iterator: PullingIterator, holding: () => boolean): void {
  const monitor = iterator.monitor;
  const missed = monitor?.callback;
  if (!monitor || typeof missed !== 'function' || typeof monitor.work !== 'function') return;
  monitor.callback = (count: number): boolean => {
    if (!holding()) return missed.call(monitor, count) as boolean;
    monitor.work!();
    return false;
  };
}

/**
 * Consume options bounded in bytes; `consumeWithPullLimits` then adds the message bound. The client
 * takes either bound but not both, and with a byte bound it asks for at most 100 messages a pull:
 * a pull request (and a status message back) every few dozen messages, a large share of a worker's CPU.
 */
export function byteBoundedConsume(
  limits: PullLimits,
  group: string | undefined,
  expires: number,
  callback?: (msg: JsMsg) => void,
): ConsumeOptions {
  return {
    ...(group !== undefined ? { group } : {}),
    ...(callback ? { callback } : {}),
    max_bytes: limits.bytes,
    expires,
  } as ConsumeOptions;
}

/**
 * Makes every pull of a consume started with `byteBoundedConsume` ask for up to `limits.messages`
 * messages and at most `limits.bytes` bytes, both enforced by the server in one request, as other
 * NATS clients offer ("max messages with a fetch size limit"). The client then counts messages
 * only: it re-pulls once a quarter has arrived (its check after each message reads these bounds
 * as they are now only with patches/@nats-io+jetstream+*.patch; unpatched, it kept the ones the
 * consume started with, a byte bound among them, and once its byte count fell under that bound it
 * pulled after every message: 26,287 pulls for 500,000 messages at a 1M backlog, most of them for
 * a negative batch, which held messages had made). Must run before the iterator is first read, which
 * is when the first pull goes out. Returns false, leaving the client's 100-message pulls (slower,
 * never wrong), when this client version keeps its pull state differently; a test fails then.
 */
function withFixedSizePulls(messages: ConsumerMessages, limits: PullLimits): boolean {
  const iterator = messages as unknown as PullingIterator;
  const { opts, pullOptions } = iterator;
  if (!opts || typeof pullOptions !== 'function' || typeof opts.max_messages !== 'number' || typeof opts.threshold_messages !== 'number')
    return false;
  opts.max_messages = limits.messages;
  opts.threshold_messages = Math.round(limits.messages * 0.75);
  // Without this the client would also track bytes, and a request the server ended by count
  // leaves its unused byte budget counted as pending forever, shrinking every later pull.
  opts.max_bytes = 0;
  iterator.pullOptions = () => ({ ...pullOptions.call(iterator), max_bytes: limits.bytes });
  return true;
}

/**
 * Starts consuming with pulls bounded by `limits` in messages and bytes. `fixedSize` is false when
 * this client version could not be given the message bound (see withFixedSizePulls). With a
 * `callback`, messages go to it as they arrive instead of through the iterator, which cost a
 * promise and an iterator result per message (the first pull is the client's own either way: its
 * options are fixed before the bounds can be set).
 */
export async function consumeWithPullLimits(
  consumer: Consumer,
  limits: PullLimits,
  options: { group?: string; expires: number; callback?: (msg: JsMsg) => void },
): Promise<{ messages: ConsumerMessages; fixedSize: boolean }> {
  const messages = await consumer.consume(byteBoundedConsume(limits, options.group, options.expires, options.callback));
  return { messages, fixedSize: withFixedSizePulls(messages, limits) };
}
