import type { IncomingMessage, KindHandler } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { deadLetterResult, ok, type MessageResult } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import { decodeActivity } from './decode.js';
import { USER_ACTIVITY, activityRow } from './rows.js';

/** telemetry.activity.<app>: every valid activity is stored; the rollups are materialized views on the raw table. */
export class ActivityHandler implements KindHandler {
  readonly trackedKeys = 0;

  constructor(
    private readonly privacy: FieldPrivacy,
    private readonly window: EventTimeWindow,
  ) {}

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = decodeActivity(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    out.eventTime(decoded.value.ts);
    out.row(USER_ACTIVITY, activityRow(decoded.value, this.privacy, message.seq), message.seq, 'stored');
    return ok('stored');
  }

  /** Nothing to add: the rollups read the raw rows, which a rebuilt batch keeps. */
  rollup(): void {}

  reset(): void {}
}
