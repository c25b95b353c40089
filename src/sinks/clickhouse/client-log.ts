import type { Logger as ClickHouseLogger, ErrorLogParams, LogParams, WarnLogParams } from '@clickhouse/client';
import type { Logger } from '../../telemetry/logger.js';

/**
 * The ClickHouse client's own log lines, routed through pino so they stay JSON on stderr. The
 * client instantiates the class itself (no arguments), hence a class made around the logger.
 */
/** The client's "<Operation>: HTTP request error." line, written for every failed request. */
const REQUEST_ERROR = /HTTP request error/;

export function clickhouseLogClass(logger: Logger): new () => ClickHouseLogger {
  const log = logger.child({ component: 'clickhouse-client' });
  const fields = ({ module, args }: LogParams) => ({ module, ...(args ?? {}) });
  return class PinoClickHouseLogger implements ClickHouseLogger {
    trace(p: LogParams) {
      log.trace(fields(p), p.message);
    }
    debug(p: LogParams) {
      log.debug(fields(p), p.message);
    }
    info(p: LogParams) {
      log.info(fields(p), p.message);
    }
    warn(p: WarnLogParams) {
      log.warn({ ...fields(p), err: p.err?.message }, p.message);
    }
    error(p: ErrorLogParams) {
      // A failed request also rejects the call that made it, and Sift reports that in its own
      // line: the client's copy would only precede it, so it is kept for LOG_LEVEL=debug.
      if (REQUEST_ERROR.test(p.message)) log.debug({ ...fields(p), err: p.err.message }, p.message);
      else log.error({ ...fields(p), err: p.err.message }, p.message);
    }
  };
}
