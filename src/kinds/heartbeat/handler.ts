import type { IncomingMessage, KindHandler } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { deadLetterResult, ok, type MessageResult } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import { decodeHeartbeat } from './decode.js';
import { HEARTBEATS, heartbeatRow } from './rows.js';

/** telemetry.heartbeat.<instance_id>: every valid beat is stored; the instance rollup is a materialized view on it. */
export class HeartbeatHandler implements KindHandler {
  readonly trackedKeys = 0;

  constructor(
    private readonly window: EventTimeWindow,
    private readonly privacy: FieldPrivacy,
  ) {}

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = decodeHeartbeat(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    out.eventTime(decoded.value.ts);
    out.row(HEARTBEATS, heartbeatRow(decoded.value, this.privacy, message.seq), message.seq, 'stored');
    return ok('stored');
  }

  /** The rollup is a materialized view on the raw table: nothing to add. */
  rollup(): void {}

  reset(): void {}
}
