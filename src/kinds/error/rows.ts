import type { TableColumns } from '../../pipeline/batch-output.js';
import type { ErrorEvent } from './decode.js';

/** telemetry.errors, as Sift writes it (inserted_at takes its default). */
export const ERRORS: TableColumns = {
  table: 'errors',
  columns: ['ts', 'source', 'category', 'severity', 'code', 'message', 'stack', 'context', 'fingerprint', 'repeats', 'stream_seq'],
};

export function errorRow(error: ErrorEvent, fingerprint: string, repeats: number, streamSeq: number): unknown[] {
  return [
    error.ts,
    error.source,
    error.category,
    error.severity,
    error.code,
    error.message,
    error.stack,
    error.context,
    fingerprint,
    repeats,
    streamSeq,
  ];
}

const PARTIAL_COLUMNS = ['hour', 'source', 'category', 'severity', 'errors'] as const;

/** telemetry.error_partials: one batch's count of errors of one hour, source, category and severity. */
export const ERROR_PARTIALS: TableColumns = { table: 'error_partials', columns: PARTIAL_COLUMNS };

const HOUR_MS = 3_600_000;

/** Counts every received error (stored or suppressed) per hour, source, category and severity for one batch. */
export class ErrorCounts {
  private readonly counts = new Map<string, unknown[]>();

  get size(): number {
    return this.counts.size;
  }

  add(error: ErrorEvent): void {
    const hour = error.ts - (((error.ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
    const key = `${hour}\u0000${error.source}\u0000${error.category}\u0000${error.severity}`;
    const row = this.counts.get(key);
    if (row) (row[4] as number)++;
    else this.counts.set(key, [hour / 1000, error.source, error.category, error.severity, 1]);
  }

  rows(): unknown[][] {
    return [...this.counts.values()];
  }
}
