import type { DeadLetterReason } from '../pipeline/result.js';
import type { KindCounters } from '../kinds/kind-handler.js';
import type { SiftMetrics } from './metrics.js';

const keys = new Map<string, Map<string, string>>();
/** The tally key of kind and reason, interned: the hot path counts without building strings. */
function key(kind: string, reason: string): string {
  let byReason = keys.get(kind);
  if (!byReason) {
    if (keys.size > 1_000) keys.clear(); // kinds come from subjects: bound the cache
    keys.set(kind, (byReason = new Map()));
  }
  let k = byReason.get(reason);
  if (k === undefined) byReason.set(reason, (k = `${kind}\u0000${reason}`));
  return k;
}
const split = (k: string) => k.split('\u0000') as [string, string];
const add = (map: Map<string, number>, k: string, n: number) => map.set(k, (map.get(k) ?? 0) + n);

/**
 * What one batch's messages came to. Outcomes are counted when the batch is acked, so a scrape
 * always finds received = stored + filtered out + dead-lettered + in flight.
 */
export class BatchTally implements KindCounters {
  readonly storedMessages = new Map<string, number>();
  readonly storedRows = new Map<string, number>();
  readonly filtered = new Map<string, number>();
  readonly deadLettered = new Map<string, number>();
  /** Newest event time in the batch, epoch ms, for the end-to-end lag. */
  newestEventMs = 0;

  stored(kind: string, reason: string, rows: number): void {
    // A "previous" row belongs to a message already counted as filtered out.
    if (reason !== 'previous') add(this.storedMessages, key(kind, reason), 1);
    add(this.storedRows, key(kind, reason), rows);
  }

  filteredOut(kind: string): void {
    add(this.filtered, key(kind, 'unchanged'), 1);
  }

  eventTime(ms: number): void {
    if (ms > this.newestEventMs) this.newestEventMs = ms;
  }

  deadLetter(kind: string, reason: DeadLetterReason): void {
    add(this.deadLettered, key(kind, reason), 1);
  }

  /** ClickHouse rejected the batch: its other messages are dead-lettered too, as insert_rejected. */
  rejectAll(kinds: string[]): void {
    this.storedMessages.clear();
    this.storedRows.clear();
    this.filtered.clear();
    for (const kind of kinds) add(this.deadLettered, key(kind, 'insert_rejected'), 1);
  }
}

/** Running totals of what a worker did, mirrored into Prometheus when metrics are given. */
export class PipelineStats {
  received = 0;
  storedMessages = 0;
  storedRows = 0;
  filtered = 0;
  deadLettered = 0;
  batches = 0;
  acked = 0;
  insertRetries = 0;
  /** Wall-clock ms of the first message taken and of the last batch acked, for throughput. */
  firstReceivedAt = 0;
  lastAckedAt = 0;
  readonly storedByReason: Record<string, number> = {};
  readonly deadLetteredByReason: Partial<Record<DeadLetterReason, number>> = {};

  constructor(readonly metrics?: SiftMetrics) {}

  messageReceived(kind: string): void {
    if (this.received++ === 0) this.firstReceivedAt = Date.now();
    this.metrics?.received.inc({ kind });
    this.metrics?.inFlight.inc();
  }

  /** A batch was acked: its outcomes count now. */
  committed(tally: BatchTally, batch: { messages: number; rows: number; bytes: number }, partition: number, now = Date.now()): void {
    const m = this.metrics;
    for (const [k, n] of tally.storedMessages) {
      this.storedMessages += n;
      const [kind, reason] = split(k);
      m?.stored.inc({ kind, reason }, n);
    }
    for (const [k, n] of tally.storedRows) {
      this.storedRows += n;
      const [kind, reason] = split(k);
      this.storedByReason[reason] = (this.storedByReason[reason] ?? 0) + n;
      m?.storedRows.inc({ kind, reason }, n);
    }
    for (const [k, n] of tally.filtered) {
      this.filtered += n;
      const [kind, reason] = split(k);
      m?.filteredOut.inc({ kind, reason }, n);
    }
    for (const [k, n] of tally.deadLettered) {
      this.deadLettered += n;
      const [kind, reason] = split(k) as [string, DeadLetterReason];
      this.deadLetteredByReason[reason] = (this.deadLetteredByReason[reason] ?? 0) + n;
      m?.deadLettered.inc({ kind, reason }, n);
    }
    this.batches++;
    this.acked += batch.messages;
    this.lastAckedAt = now;
    if (m) {
      m.acks.inc();
      m.acked.inc(batch.messages);
      m.inFlight.dec(batch.messages);
      m.batchRows.observe(batch.rows);
      m.batchBytes.observe(batch.bytes);
      if (tally.newestEventMs > 0) m.lag.set({ partition: String(partition) }, Math.max(0, (now - tally.newestEventMs) / 1000));
    }
  }

  /** A batch was given up unacked (hard stop): its messages will be delivered again. */
  abandoned(messages: number): void {
    this.metrics?.inFlight.dec(messages);
  }

  insertRetry(errorClass: string): void {
    this.insertRetries++;
    this.metrics?.insertRetries.inc({ error_class: errorClass });
    this.metrics?.insertErrors.inc({ error_class: errorClass });
  }

  insertRejected(errorClass: string): void {
    this.metrics?.insertErrors.inc({ error_class: errorClass });
  }

  inserted(table: string, rows: number, seconds: number): void {
    this.metrics?.insertDuration.observe({ table }, seconds);
    this.metrics?.insertedRows.inc({ table }, rows);
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
      firstReceivedAt: this.firstReceivedAt,
      lastAckedAt: this.lastAckedAt,
      storedByReason: { ...this.storedByReason },
      deadLetteredByReason: { ...this.deadLetteredByReason },
    };
  }
}
