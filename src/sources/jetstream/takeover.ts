import type { JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { sleep } from '../../util/timing.js';
import type { Logger } from '../../telemetry/logger.js';
import { firstStoredFrom } from './read-back.js';

export interface TakeoverContext {
  jsm: JetStreamManager;
  stream: string;
  consumer: string;
  /** The consumer's filter subject. */
  filter: string;
  ackWaitMs: number;
  log: Logger;
  signal: AbortSignal;
}

/**
 * AckAll acknowledges every message up to the one acked. When this worker takes a partition
 * over, the server sends it new messages at once but the previous owner's unacked ones only
 * after ack_wait, so acking the new ones would acknowledge messages nobody stored. There is such
 * a gap when a stored message of this partition lies between the ack floor and the first
 * message this session received, and this worker never took it (`highestTaken`): messages it took
 * itself (the server re-pins the same worker after a restart) are in its batches, which its acks cover.
 */
export async function previousOwnerLeftGap(c: TakeoverContext, first: JsMsg, highestTaken: number, justRewound = false): Promise<boolean> {
  // A session that opens with a redelivery: unacked messages of a previous owner (or of this worker
  // before a re-pin) come back one ack_wait timer at a time, interleaved with new messages, and a
  // redelivery below the newest message taken would be mistaken for one already in a batch. Rewound
  // to the ack floor, the consumer delivers everything again in order. (Seen: one message in about
  // 1 of 8 takeovers of a 30,000-message backlog was acked without being stored.) Right after a
  // rewind every message is a redelivery, and in order.
  if (first.info.redelivered && !justRewound) return true;
  const info = await c.jsm.consumers.info(c.stream, c.consumer);
  const floor = Math.max(info.ack_floor.stream_seq, highestTaken);
  if (first.seq <= floor + 1) return false;
  const next = await firstStoredFrom(c.jsm, c.stream, c.filter, floor + 1);
  return next !== null && next.seq < first.seq;
}

/** Makes the server deliver again from the ack floor, in order; the caller then starts a new session. */
export async function rewindToAckFloor(c: TakeoverContext): Promise<void> {
  try {
    const reset = await c.jsm.consumers.reset(c.stream, c.consumer);
    c.log.info({ resetSeq: reset.reset_seq }, 'took over a partition with unacked messages: rewound it to its ack floor');
  } catch (error) {
    // Servers before 2.14 cannot reset a consumer: the unacked messages come back after ack_wait.
    c.log.info(
      { err: (error as Error).message, waitMs: c.ackWaitMs },
      'took over a partition with unacked messages: waiting for their redelivery',
    );
    await sleep(c.ackWaitMs, c.signal);
  }
}
