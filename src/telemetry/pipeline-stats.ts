import { threadCpu, type ThreadCpu } from './thread-cpu.js';
import type { BatchTally } from '../pipeline/batch-tally.js';
import { splitTallyKey as split } from '../pipeline/batch-tally.js';
import type { SiftMetrics } from './metrics.js';

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
  /** Times a partition waited for a fill turn before filling from a backlog (see FillTurns). */
  fillTurnWaits = 0;
  /** Wall-clock ms of the first message taken and of the last batch acked, for throughput. */
  firstReceivedAt = 0;
  /** Thread CPU when the first message came: what start-up cost, apart from handling messages. */
  cpuAtFirstMessage: ThreadCpu | undefined;
  lastAckedAt = 0;
  readonly storedByReason: Record<string, number> = {};
  readonly deadLetteredByReason: Record<string, number> = {};

  /**
   * Received per kind since the last scrape, and messages in flight: counted here and handed to
   * Prometheus when it scrapes, since a labelled increment per message cost more than the rest of
   * the message's bookkeeping.
   */
  private readonly receivedSinceScrape = new Map<string, number>();
  private inFlight = 0;

  constructor(readonly metrics?: SiftMetrics) {
    metrics?.beforeScrape.push(() => this.flushToMetrics());
  }

  messageReceived(kind: string): void {
    if (this.received++ === 0) {
      this.firstReceivedAt = Date.now();
      this.cpuAtFirstMessage = threadCpu();
    }
    this.receivedSinceScrape.set(kind, (this.receivedSinceScrape.get(kind) ?? 0) + 1);
    this.inFlight++;
  }

  private flushToMetrics(): void {
    const m = this.metrics!;
    for (const [kind, n] of this.receivedSinceScrape) m.received.inc({ kind }, n);
    this.receivedSinceScrape.clear();
    m.inFlight.set(this.inFlight);
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
    for (const [k, n] of tally.dropped) {
      this.filtered += n;
      const [kind, reason] = split(k);
      m?.filteredOut.inc({ kind, reason }, n);
    }
    for (const [k, n] of tally.deadLettered) {
      this.deadLettered += n;
      const [kind, reason] = split(k);
      this.deadLetteredByReason[reason] = (this.deadLetteredByReason[reason] ?? 0) + n;
      m?.deadLettered.inc({ kind, reason }, n);
    }
    this.batches++;
    this.acked += batch.messages;
    this.inFlight -= batch.messages;
    this.lastAckedAt = now;
    if (m) {
      m.acks.inc();
      m.acked.inc(batch.messages);
      m.batchRows.observe(batch.rows);
      m.batchBytes.observe(batch.bytes);
      if (tally.newestEventMs > 0) m.lag.set({ partition: String(partition) }, Math.max(0, (now - tally.newestEventMs) / 1000));
    }
  }

  /** A message no partition reads, dead-lettered on its own (see UnpartitionedSweep): received and dead-lettered at once. */
  deadLetteredAlone(kind: string, reason: string): void {
    this.received++;
    this.deadLettered++;
    this.deadLetteredByReason[reason] = (this.deadLetteredByReason[reason] ?? 0) + 1;
    this.metrics?.received.inc({ kind });
    this.metrics?.deadLettered.inc({ kind, reason });
  }

  /** A batch was given up unacked (hard stop): its messages will be delivered again. */
  abandoned(messages: number): void {
    this.inFlight -= messages;
  }

  insertRetry(errorClass: string): void {
    this.insertRetries++;
    this.metrics?.insertRetries.inc({ error_class: errorClass });
    this.metrics?.insertErrors.inc({ error_class: errorClass });
  }

  insertRejected(errorClass: string): void {
    this.metrics?.insertErrors.inc({ error_class: errorClass });
  }

  /** Inserts made while isolating the messages of rejected batches. */
  isolationInserts(n: number): void {
    this.metrics?.isolationInserts.inc(n);
  }

  /** Messages found to be the ones ClickHouse rejected (each dead-lettered as insert_rejected). */
  isolatedMessages(n: number): void {
    this.metrics?.isolatedMessages.inc(n);
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
      fillTurnWaits: this.fillTurnWaits,
      firstReceivedAt: this.firstReceivedAt,
      lastAckedAt: this.lastAckedAt,
      storedByReason: { ...this.storedByReason },
      deadLetteredByReason: { ...this.deadLetteredByReason },
    };
  }
}
