/**
 * Splits a stored subject, <prefix>.<kind>.<partition>.<key> (the stream's subject transform adds
 * the partition), into kind, partition and key; undefined when it is not of that shape.
 */
export function parseStoredSubject(subject: string): { kind: string; partition: number; key: string } | undefined {
  const first = subject.indexOf('.');
  const second = subject.indexOf('.', first + 1);
  const third = subject.indexOf('.', second + 1);
  if (first < 0 || second < 0 || third < 0 || subject.indexOf('.', third + 1) >= 0) return undefined;
  const partition = Number(subject.slice(second + 1, third));
  if (!Number.isInteger(partition)) return undefined;
  return { kind: subject.slice(first + 1, second), partition, key: subject.slice(third + 1) };
}

/** A message read back from the stream by sequence (a rejected batch's, a journaled commit's). */
export interface StoredMessage {
  subject: string;
  seq: number;
  data: Uint8Array;
  timestampMs: number;
  /** The producer's Nats-Msg-Id, when it gave one. */
  msgId: string | undefined;
}
