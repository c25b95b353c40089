import type { JetStreamManager, MsgRequest } from '@nats-io/jetstream';
import type { StoredMessage } from '../../contract/stored-subject.js';

export type { StoredMessage };

/**
 * The stored messages of one partition (its consumer's filter subject) from `first` to `last`
 * sequence, in order: exactly a batch's messages, since a partition's batch is a contiguous run
 * of its subject. Messages the stream no longer holds are skipped.
 */
export async function* readPartitionRange(
  jsm: JetStreamManager,
  stream: string,
  filter: string,
  first: number,
  last: number,
): AsyncGenerator<StoredMessage> {
  for (let seq = first; seq <= last; ) {
    // The server's MSG.GET takes next_by_subj (first message at or after seq on the subject); the
    // client types name it only for direct gets, which need allow_direct on the stream.
    const request = { seq, next_by_subj: filter } as unknown as MsgRequest;
    const stored = await jsm.streams.getMessage(stream, request);
    if (stored === null || stored.seq > last) return;
    seq = stored.seq + 1;
    yield {
      subject: stored.subject,
      seq: stored.seq,
      data: stored.data,
      timestampMs: stored.time.getTime(),
      msgId: stored.header?.get('Nats-Msg-Id') || undefined,
    };
  }
}

/** The first stored message of the partition at or after `seq`, or null. */
export async function firstStoredFrom(jsm: JetStreamManager, stream: string, filter: string, seq: number): Promise<{ seq: number } | null> {
  const request = { seq, next_by_subj: filter } as unknown as MsgRequest;
  return jsm.streams.getMessage(stream, request);
}
