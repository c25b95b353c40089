import type { Decoded } from '../pipeline/result.js';
import type { PartitionBatch } from '../pipeline/partition-batch.js';

/** A message of one kind as the partition consumer hands it over. */
export interface IncomingMessage {
  key: string;
  data: Uint8Array;
  seq: number;
  /** JetStream arrival time in epoch ms, computed only when asked (it parses the reply subject). */
  arrivalMs(): number;
}

/** Counts one kind's outcomes by reason, per batch (see BatchTally). */
export interface KindCounters {
  stored(kind: string, reason: string, rows: number): void;
  filteredOut(kind: string): void;
}

/**
 * One event kind: decodes its messages and adds their rows to the batch. Holds the kind's keyed
 * state for one partition, so `reset` forgets it when the partition changes hands.
 */
export interface KindHandler {
  readonly kind: string;
  accept(message: IncomingMessage, batch: PartitionBatch): Decoded<void>;
  reset(): void;
  /** Keys currently held in memory (e.g. devices tracked by the filter). */
  readonly trackedKeys: number;
}
