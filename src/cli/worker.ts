import type { SiftConfig } from '../config/load.js';
import type { Logger } from '../telemetry/logger.js';
import { Worker } from '../worker/worker.js';
import { showDrainProgress } from './drain-progress.js';
import { NatsUnreachableError } from '../sources/jetstream/connect.js';

export const workerDescription = `Consumes its share of the partitions, filters device metrics, inserts into ClickHouse and acks
after each insert. SIGTERM or SIGINT drains: stop pulling, flush, ack, exit 0 (exit 1 if that takes
longer than SHUTDOWN_TIMEOUT_MS); a second signal exits at once. /metrics, /healthz and /readyz
are served on METRICS_PORT. NATS not reachable at start: it retries (NATS_START_RETRY_S, default for
ever), not ready meanwhile.`;

export async function runWorker(config: SiftConfig, logger: Logger, options: { untilIdle: boolean }): Promise<number> {
  let worker: Worker | undefined;
  let signals = 0;
  let deadline: NodeJS.Timeout | undefined;
  const drain = () => {
    const ms = config.telemetry.shutdownTimeoutMs;
    deadline = setTimeout(() => {
      logger.error({ deadlineMs: ms }, 'drain deadline passed: exiting; unacked messages will be redelivered');
      worker?.abort();
      process.exit(1);
    }, ms);
    deadline.unref();
    void worker?.stop();
  };
  // A signal while start-up still waits for NATS ends the wait; later in start-up it drains once started.
  const startAbort = new AbortController();
  // Installed before start-up, which already consumes: a signal then drains once started.
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    startAbort.abort();
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; unacked messages will be redelivered');
      worker?.abort();
      process.exit(130);
    }
    logger.info({ signal, deadlineMs: config.telemetry.shutdownTimeoutMs }, 'draining: flushing and acking every batch');
    if (worker) drain();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    try {
      worker = await Worker.start(config, logger, { signal: startAbort.signal });
    } catch (error) {
      // Stopped before NATS answered: nothing was taken, so nothing is left to drain.
      if (startAbort.signal.aborted && error instanceof NatsUnreachableError) {
        logger.info('stopped while waiting for NATS; nothing was consumed');
        return 0;
      }
      throw error;
    }
    if (signals > 0) drain();
    if (options.untilIdle) {
      const stopProgress = await showDrainProgress(worker, config);
      await Promise.race([worker.untilIdle(), worker.whenStopped()]).finally(stopProgress);
    } else await worker.whenStopped();
    await worker.stop();
  } finally {
    clearTimeout(deadline);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  const s = worker.stats.snapshot();
  process.stdout.write(
    `received ${s.received}, stored ${s.storedMessages} messages (${s.storedRows} rows), filtered out ${s.filteredOut}, dead-lettered ${s.deadLettered}\n`,
  );
  return 0;
}
