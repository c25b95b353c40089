import type { DeadLetterReason } from '../pipeline/result.js';
import type { KindCounters } from '../kinds/kind-handler.js';

/** Running totals of what a worker did, for its closing summary and for tests. */
export class PipelineStats implements KindCounters {
  received = 0;
  storedMessages = 0;
  storedRows = 0;
  filtered = 0;
  deadLettered = 0;
  batches = 0;
  acked = 0;
  insertRetries = 0;
  readonly storedByReason: Record<string, number> = {};
  readonly deadLetteredByReason: Partial<Record<DeadLetterReason, number>> = {};

  messageReceived(): void {
    this.received++;
  }

  stored(_kind: string, reason: string, rows: number): void {
    if (reason !== 'previous') this.storedMessages++;
    this.storedRows += rows;
    this.storedByReason[reason] = (this.storedByReason[reason] ?? 0) + rows;
  }

  filteredOut(_kind?: string): void {
    this.filtered++;
  }

  deadLetter(_kind: string, reason: DeadLetterReason): void {
    this.deadLettered++;
    this.deadLetteredByReason[reason] = (this.deadLetteredByReason[reason] ?? 0) + 1;
  }

  batchAcked(messages: number): void {
    this.batches++;
    this.acked += messages;
  }

  snapshot() {
    return {
      received: this.received,
      storedMessages: this.storedMessages,
      storedRows: this.storedRows,
      filteredOut: this.filtered,
      deadLettered: this.deadLettered,
      batches: this.batches,
      acked: this.acked,
      insertRetries: this.insertRetries,
      storedByReason: { ...this.storedByReason },
      deadLetteredByReason: { ...this.deadLetteredByReason },
    };
  }
}
