import type { IncomingMessage, KindHandler } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { ok, deadLetterResult, type MessageResult } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import { decodeApiRequest } from './decode.js';
import { API_REQUESTS, apiRequestRow } from './rows.js';

/**
 * telemetry.api.<service>: every valid request is stored; the hourly and daily rollups are
 * materialized views on the raw table, so there is no accumulator and no keyed state.
 */
export class ApiRequestHandler implements KindHandler {
  readonly trackedKeys = 0;

  constructor(
    private readonly window: EventTimeWindow,
    private readonly privacy: FieldPrivacy,
  ) {}

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = decodeApiRequest(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    out.eventTime(decoded.value.ts);
    out.row(API_REQUESTS, apiRequestRow(decoded.value, this.privacy, message.seq), message.seq, 'stored');
    return ok('stored');
  }

  /** The rollups follow the raw rows (materialized views): nothing to add. */
  rollup(): void {}

  reset(): void {}
}
