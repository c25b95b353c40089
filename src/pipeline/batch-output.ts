/** A table (without database) and the columns its rows give, in order; the others take their defaults. */
export interface TableColumns {
  readonly table: string;
  readonly columns: readonly string[];
}

/** Rows that build up over a batch and are read once at flush (e.g. partial aggregates). */
export interface Accumulator {
  readonly size: number;
  /** Rows in the table's column order. */
  rows(): unknown[][];
}

/**
 * What a kind writes a message's outcome to: rows for its tables and its accumulators. The batch
 * implements it; kinds see nothing else of the pipeline, so they need no import of it.
 */
export interface BatchOutput {
  /** Adds one row produced by message `seq`, its values in the order of `table.columns`; `reason` counts it. */
  row(table: TableColumns, row: unknown[], seq: number, reason: string): void;
  /** The batch's accumulator for `table`, made on first use. */
  accumulator<A extends Accumulator>(table: TableColumns, make: () => A): A;
  /** Event time of a message, epoch ms, for the end-to-end lag. */
  eventTime(ms: number): void;
}
