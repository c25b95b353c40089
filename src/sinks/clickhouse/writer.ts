import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../telemetry/logger.js';
import { isEmbedded } from './client.js';
import { insertSettings } from './insert-settings.js';
import { sqlString } from './sql-string.js';
import { classifyInsertError, isRetriable, type InsertErrorClass } from './retry.js';
import { backoffDelay, sleep, type Backoff } from '../../util/timing.js';

import type { TableColumns } from '../../pipeline/batch-output.js';

export type { TableColumns };

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
  /** The partition batch this is (partition, first and last sequence), for the commit journal. */
  member?: readonly [partition: number, first: number, last: number];
  /** The journal epoch of the hold that took the batch's messages: it is journaled under no other. */
  epoch?: number;
}

export type InsertOutcome =
  | { ok: true; attempts: number }
  /** `landed`: tables (in order) whose rows were stored before one was rejected. */
  | { ok: false; reason: 'rejected'; errorClass: InsertErrorClass; message: string; landed: string[] }
  | { ok: false; reason: 'aborted' }
  /** This worker lost a partition of the batch before it was stored: its new owner stores it. */
  | { ok: false; reason: 'fenced' };

/**
 * Attempts an insert failing with an error of unknown class gets before the server's health is
 * probed: a server that answers a ping and a probe insert while it keeps rejecting these rows is
 * rejecting the rows, and retrying them for ever would hold back every other message.
 */
const UNKNOWN_ERROR_ATTEMPTS = 3;

export interface WriterHooks {
  onRetry?(errorClass: InsertErrorClass, attempt: number, delayMs: number, error: unknown): void;
  onInserted?(table: string, rows: number, seconds: number): void;
}

export class ClickHouseWriter {
  private readonly embedded: boolean;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly backoff: Backoff,
    private readonly logger: Logger,
    private readonly hooks: WriterHooks = {},
    /** CLICKHOUSE_CLUSTER: inserts go through Distributed tables, synchronously. */
    private readonly cluster = '',
  ) {
    this.embedded = isEmbedded(client);
  }

  /**
   * Inserts every table's rows, retrying failures (but bad data) with capped backoff until they
   * land or `signal` aborts. Never throws: the outcome says whether the rows are in ClickHouse.
   */
  async insert(batch: InsertBatch, signal?: AbortSignal, stillOwned?: () => Promise<boolean>): Promise<InsertOutcome> {
    const landed: string[] = [];
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) return { ok: false, reason: 'aborted' };
      // A retry waits: by then another worker may own the batch's partitions (this one lost NATS,
      // say) and store it itself; checking the journal first fences this worker at ClickHouse too.
      if (attempt > 0 && stillOwned && !(await stillOwned().catch(() => false))) return { ok: false, reason: 'fenced' };
      try {
        await this.insertOnce(batch, landed);
        return { ok: true, attempts: attempt + 1 };
      } catch (error) {
        const errorClass = classifyInsertError(error);
        if (!isRetriable(errorClass)) {
          return { ok: false, reason: 'rejected', errorClass, message: firstLine(error), landed };
        }
        if (errorClass === 'server' && attempt + 1 >= UNKNOWN_ERROR_ATTEMPTS && (await this.serverHealthy())) {
          return { ok: false, reason: 'rejected', errorClass, message: firstLine(error), landed };
        }
        const delay = backoffDelay(attempt, this.backoff);
        this.hooks.onRetry?.(errorClass, attempt + 1, delay, error);
        this.logger.warn(
          { errorClass, attempt: attempt + 1, delayMs: delay, err: (error as Error).message, token: batch.token },
          'insert failed, retrying',
        );
        await sleep(delay, signal);
      }
    }
  }

  /** The server answers a ping and accepts a probe insert (into a throw-away Null table). */
  private async serverHealthy(): Promise<boolean> {
    try {
      const ping = await this.client.ping();
      if (!ping.success) return false;
      await this.client.command({ query: "INSERT INTO FUNCTION null('probe UInt8') VALUES (1)", clickhouse_settings: insertSettings('') });
      return true;
    } catch {
      return false;
    }
  }

  /** Inserts the tables not yet in `landed`, in order, adding each to it once stored. */
  private async insertOnce(batch: InsertBatch, landed: string[]): Promise<void> {
    for (const table of batch.tables) {
      if (landed.includes(table.table)) continue;
      const started = performance.now();
      const count = this.insertTable(table, batch.token);
      if (count === undefined) continue;
      await count.stored;
      landed.push(table.table);
      this.hooks.onInserted?.(table.table, count.rows, (performance.now() - started) / 1000);
    }
  }

  /**
   * Starts one table's insert; undefined when it has no rows. Not async, and the rows are read
   * once: an accumulator makes its rows when they are read, and nothing here keeps them while the
   * insert runs, so they die young instead of being promoted.
   */
  private insertTable({ table, columns, rows }: TableRows, token: string): { rows: number; stored: Promise<unknown> } | undefined {
    if (rows.length === 0) return undefined;
    const settings = insertSettings(token, this.cluster);
    if (this.embedded) {
      // The embedded engine takes rows only inline after the SQL (its connection joins them there
      // for client.insert too). One JSON.stringify of the whole table, its outer brackets dropped,
      // is JSONCompactEachRow with commas between rows, which the engine reads: one native call
      // instead of one per row plus a join (see docs/upstream/chdb-inline-binary-insert.md).
      // The settings go in the statement: passed apart, the connection would prepend them as SETs,
      // which costs another copy of the whole text (tens of MB for a large group).
      const json = JSON.stringify(rows);
      const query = `INSERT INTO ${this.database}.${table} (${columns.join(', ')}) SETTINGS ${settingsClause(settings)} FORMAT JSONCompactEachRow\n${json.slice(1, -1)}`;
      return { rows: rows.length, stored: this.client.command({ query }) };
    }
    // Rows as arrays, not objects: no column name repeated in every row, less to encode and to parse.
    const stored = this.client.insert({
      table: `${this.database}.${table}`,
      columns: columns as [string, ...string[]],
      values: rows,
      format: 'JSONCompactEachRow',
      clickhouse_settings: settings,
    });
    return { rows: rows.length, stored };
  }
}

/** Settings as an INSERT's SETTINGS clause. */
export function settingsClause(settings: Record<string, unknown>): string {
  return Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name} = ${typeof value === 'string' ? sqlString(value) : Number(value)}`)
    .join(', ');
}

const firstLine = (error: unknown): string =>
  String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .trim();
