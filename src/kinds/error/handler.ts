import type { IncomingMessage, KindHandler } from '../kind.js';
import type { BatchOutput } from '../../pipeline/batch-output.js';
import { deadLetterResult, drop, ok, type MessageResult } from '../../pipeline/result.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { ErrorStorm, type StormSettings } from '../../transforms/error-storm/error-storm.js';
import { errorFingerprint } from '../../transforms/error-storm/fingerprint.js';
import { decodeError } from './decode.js';
import { ERROR_PARTIALS, ERRORS, ErrorCounts, errorRow } from './rows.js';

const makeCounts = () => new ErrorCounts();

/** telemetry.error.<source>: validate, count every error into the rollup, store one per fingerprint and window. */
export class ErrorHandler implements KindHandler {
  private readonly storm: ErrorStorm;

  constructor(
    settings: StormSettings,
    private readonly window: EventTimeWindow,
  ) {
    this.storm = new ErrorStorm(settings);
  }

  get trackedKeys(): number {
    return this.storm.states.size;
  }

  accept(message: IncomingMessage, out: BatchOutput): MessageResult {
    const decoded = decodeError(message.data, message.key, message.arrivalMs(), this.window);
    if (!decoded.ok) return deadLetterResult(decoded.reason, decoded.detail);
    const error = decoded.value;
    out.eventTime(error.ts);
    out.accumulator(ERROR_PARTIALS, makeCounts).add(error);
    const fingerprint = errorFingerprint(error);
    const decision = this.storm.process(fingerprint, error.ts);
    if (!decision.store) return drop('suppressed');
    out.row(ERRORS, errorRow(error, fingerprint, decision.repeats, message.seq), message.seq, 'stored');
    return ok('stored');
  }

  rollup(message: IncomingMessage, out: BatchOutput): void {
    const decoded = decodeError(message.data, message.key, message.arrivalMs(), this.window);
    if (decoded.ok) out.accumulator(ERROR_PARTIALS, makeCounts).add(decoded.value);
  }

  reset(): void {
    this.storm.states.clear();
  }
}
