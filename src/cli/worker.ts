import type { SiftConfig } from '../config/load.js';
import type { Logger } from '../telemetry/logger.js';
import { Worker } from '../worker.js';

export const workerHelp = `sift worker [--until-idle] [--config FILE]

Consumes every partition, filters device metrics, inserts into ClickHouse and acks after each
insert. SIGTERM or SIGINT drains: stop pulling, flush, ack, exit 0; a second signal exits at once.
  --until-idle   exit 0 once every partition has nothing pending and every batch is acked`;

export async function runWorker(config: SiftConfig, logger: Logger, options: { untilIdle: boolean }): Promise<number> {
  const worker = await Worker.start(config, logger);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; unacked messages will be redelivered');
      worker.abort();
      process.exit(130);
    }
    logger.info({ signal }, 'draining: flushing and acking every batch');
    void worker.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if (options.untilIdle) await worker.untilIdle();
    else await worker.whenStopped();
  } finally {
    await worker.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  const s = worker.stats.snapshot();
  process.stdout.write(
    `received ${s.received}, stored ${s.storedMessages} messages (${s.storedRows} rows), filtered out ${s.filteredOut}, dead-lettered ${s.deadLettered}\n`,
  );
  return 0;
}
