import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../telemetry/logger.js';
import { insertSettings } from './insert-settings.js';
import { backoffDelay, classifyInsertError, isRetriable, sleep, type Backoff, type InsertErrorClass } from './retry.js';

/** Rows for several tables that must land together, under one deduplication token. */
export interface InsertBatch {
  /** Same token for a retried batch, so ClickHouse drops a repeat it already has. */
  token: string;
  /** Table (without database) to rows, inserted in this order. */
  tables: Array<[table: string, rows: object[]]>;
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
    for (const [table, rows] of batch.tables) {
      if (rows.length === 0) continue;
      const started = performance.now();
      await this.client.insert({
        table: `${this.database}.${table}`,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: insertSettings(batch.token),
      });
      this.hooks.onInserted?.(table, rows.length, (performance.now() - started) / 1000);
    }
  }
}
