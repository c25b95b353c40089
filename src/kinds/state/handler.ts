import type { IncomingMessage, KindHandler } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { deadLetterResult, drop, ok, type MessageResult } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import { StateFilter, type StateFilterSettings } from '../../transforms/state-filter/state-filter.js';
import { decodeStateReport } from './decode.js';
import { DEVICE_STATES, stateRow } from './rows.js';

/** telemetry.state.<device_id>: validate, and keep first contacts, changes and snapshots of each device's state. */
export class DeviceStateHandler implements KindHandler {
  private readonly filter: StateFilter;

  constructor(
    settings: StateFilterSettings,
    private readonly window: EventTimeWindow,
    private readonly privacy: FieldPrivacy,
  ) {
    this.filter = new StateFilter(settings);
  }

  get trackedKeys(): number {
    return this.filter.states.size;
  }

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = decodeStateReport(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    const report = decoded.value;
    out.eventTime(report.ts);
    const { store, lastStoredState } = this.filter.process(report.deviceId, report);
    if (store === undefined) return drop('unchanged');
    out.row(DEVICE_STATES, stateRow(report, store, lastStoredState, this.privacy, message.seq), message.seq, store);
    return ok(store);
  }

  /** No rollup: device_latest_state_v reads the stored rows. */
  rollup(): void {}

  reset(): void {
    this.filter.states.clear();
  }
}
