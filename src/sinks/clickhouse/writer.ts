import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../telemetry/logger.js';
import { insertSettings } from './insert-settings.js';
import { backoffDelay, classifyInsertError, isRetriable, sleep, type Backoff, type InsertErrorClass } from './retry.js';

/** A table (without database) and the columns its rows give, in order; the others take their defaults. */
export interface TableColumns {
  readonly table: string;
  readonly columns: readonly string[];
}

/** Rows of one table, each an array of values in the table's column order. */
export interface TableRows extends TableColumns {
  rows: unknown[][];
}

/** Rows for several tables that must land together, under one deduplication token. */
export interface InsertBatch {
  /** Same token for a retried batch, so ClickHouse drops a repeat it already has. */
  token: string;
  /** Inserted in this order. */
  tables: TableRows[];
}

export type InsertOutcome =
  | { ok: true; attempts: number }
  | { ok: false; reason: 'rejected'; errorClass: InsertErrorClass; message: string }
  | { ok: false; reason: 'aborted' };

export interface WriterHooks {
  onRetry?(errorClass: InsertErrorClass, attempt: number, delayMs: number, error: unknown): void;
  onInserted?(table: string, rows: number, seconds: number): void;
}

export class ClickHouseWriter {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly backoff: Backoff,
    private readonly logger: Logger,
    private readonly hooks: WriterHooks = {},
  ) {}

  /**
   * Inserts every table's rows, retrying failures (but bad data) with capped backoff until they
   * land or `signal` aborts. Never throws: the outcome says whether the rows are in ClickHouse.
   */
  async insert(batch: InsertBatch, signal?: AbortSignal): Promise<InsertOutcome> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) return { ok: false, reason: 'aborted' };
      try {
        await this.insertOnce(batch);
        return { ok: true, attempts: attempt + 1 };
      } catch (error) {
        const errorClass = classifyInsertError(error);
        if (!isRetriable(errorClass)) {
          return { ok: false, reason: 'rejected', errorClass, message: (error as Error).message };
        }
        const delay = backoffDelay(attempt, this.backoff);
        this.hooks.onRetry?.(errorClass, attempt + 1, delay, error);
        this.logger.warn({ errorClass, attempt: attempt + 1, delayMs: delay, err: (error as Error).message, token: batch.token }, 'insert failed, retrying');
        await sleep(delay, signal);
      }
    }
  }

  private async insertOnce(batch: InsertBatch): Promise<void> {
    for (const { table, columns, rows } of batch.tables) {
      if (rows.length === 0) continue;
      const started = performance.now();
      // Rows as arrays: measured against objects (JSONEachRow), less to encode here and to parse
      // in ClickHouse, since no column name is repeated in every row.
      await this.client.insert({
        table: `${this.database}.${table}`,
        columns: columns as [string, ...string[]],
        values: rows,
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings(batch.token),
      });
      this.hooks.onInserted?.(table, rows.length, (performance.now() - started) / 1000);
    }
  }
}
