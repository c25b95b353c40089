import type { IncomingMessage, KindHandler } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { ok, deadLetterResult, type MessageResult } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import { decodeJobOutcome } from './decode.js';
import { JOB_OUTCOMES, jobOutcomeRow } from './rows.js';

/**
 * telemetry.job.<job_type>: every valid outcome is stored; the hourly rollup is a materialized
 * view on the raw table, so there is no accumulator and no keyed state.
 */
export class JobOutcomeHandler implements KindHandler {
  readonly trackedKeys = 0;

  constructor(
    private readonly window: EventTimeWindow,
    private readonly privacy: FieldPrivacy,
  ) {}

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = decodeJobOutcome(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    out.eventTime(decoded.value.ts);
    out.row(JOB_OUTCOMES, jobOutcomeRow(decoded.value, this.privacy, message.seq), message.seq, 'stored');
    return ok('stored');
  }

  /** The rollup follows the raw rows (a materialized view): nothing to add. */
  rollup(): void {}

  reset(): void {}
}
