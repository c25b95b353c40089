import type { EventTimeWindow } from '../contract/event-time.js';
import { eventTimeWindow } from '../contract/config.js';
import type { BatchOutput, TableColumns } from '../pipeline/batch-output.js';
import { deadLetterResult, ok, type Decoded, type MessageResult } from '../pipeline/result.js';
import { fieldPrivacy, type FieldPrivacy } from '../transforms/privacy/privacy.js';
import type { IncomingMessage, KindConfig, KindHandler } from './kind.js';

/** How a kind that stores every valid event turns a message into its raw table's row. */
export interface EventRows<E extends { ts: number }> {
  table: TableColumns;
  decode(data: Uint8Array, key: string, arrivalMs: number, window: EventTimeWindow): Decoded<E>;
  row(event: E, privacy: FieldPrivacy, seq: number): unknown[];
}

/**
 * The handler of a kind that stores every valid event (api, job, usage, heartbeat): one row in its
 * raw table, rollups as materialized views on it, so there is no accumulator and no keyed state.
 */
export class StoreEveryEventHandler<E extends { ts: number }> implements KindHandler {
  readonly trackedKeys = 0;

  constructor(
    private readonly rows: EventRows<E>,
    private readonly window: EventTimeWindow,
    private readonly privacy: FieldPrivacy,
  ) {}

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = this.rows.decode(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    out.eventTime(decoded.value.ts);
    out.row(this.rows.table, this.rows.row(decoded.value, this.privacy, message.seq), message.seq, 'stored');
    return ok('stored');
  }

  /** The rollups follow the raw rows (materialized views): nothing to add. */
  rollup(): void {}

  reset(): void {}
}

/** A kind's createHandler when it stores every valid event. */
export const storeEveryEvent =
  <E extends { ts: number }>(kind: string, rows: EventRows<E>) =>
  (config: KindConfig): KindHandler =>
    new StoreEveryEventHandler(rows, eventTimeWindow(config.eventTime), fieldPrivacy(config.privacy.rules, kind, config.privacy.salt));
