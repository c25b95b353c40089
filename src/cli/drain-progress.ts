import cliProgress from 'cli-progress';
import { jetstreamManager } from '@nats-io/jetstream';
import type { SiftConfig } from '../config/load.js';
import type { Worker } from '../worker/worker.js';
import { consumerName } from '../sources/jetstream/subjects.js';

/** Messages waiting or unacked across every partition: the backlog `--until-idle` drains. */
async function backlog(worker: Worker, config: SiftConfig): Promise<number> {
  const jsm = await jetstreamManager(worker.nc);
  let total = 0;
  for (let p = 0; p < config.nats.partitions; p++) {
    const info = await jsm.consumers.info(config.nats.stream, consumerName(config.nats.consumer.prefix, p)).catch(() => undefined);
    total += (info?.num_pending ?? 0) + (info?.num_ack_pending ?? 0);
  }
  return total;
}

/**
 * A progress bar of `worker --until-idle` on a terminal: messages drained of the backlog found at
 * start, rate and ETA. Returns the function that stops it; nothing is drawn when stderr is not a TTY.
 */
export async function showDrainProgress(worker: Worker, config: SiftConfig): Promise<() => void> {
  if (!process.stderr.isTTY) return () => undefined;
  const base = worker.stats.snapshot().received;
  const total = Math.max(1, base + (await backlog(worker, config)));
  const bar = new cliProgress.SingleBar(
    { format: 'draining [{bar}] {percentage}% {value}/{total} msgs, {rate} msg/s, {eta}s left', stream: process.stderr, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, base, { rate: 0 });
  const timer = setInterval(() => {
    const received = worker.stats.snapshot().received;
    const seconds = (performance.now() - started) / 1000;
    // Messages published while draining grow the total rather than overflow the bar.
    if (received > bar.getTotal()) bar.setTotal(received);
    bar.update(received, { rate: Math.round((received - base) / Math.max(seconds, 0.001)) });
  }, 250);
  return () => {
    clearInterval(timer);
    bar.update(worker.stats.snapshot().received);
    bar.stop();
  };
}
