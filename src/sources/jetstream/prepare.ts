import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SiftConfig } from '../../config/load.js';
import type { Logger } from '../../telemetry/logger.js';
import { provision } from './provision.js';
import { consumerName } from './subjects.js';

/** The worker may not provision and something it needs is missing. */
export class NotProvisionedError extends Error {
  override name = 'NotProvisionedError';
}

/** Streams and consumers the worker needs that the server does not have. */
export async function missingOnNats(nc: NatsConnection, config: SiftConfig['nats']): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const missing: string[] = [];
  for (const stream of [config.stream, config.dlqStream]) {
    if (
      !(await jsm.streams.info(stream).then(
        () => true,
        () => false,
      ))
    )
      missing.push(`stream ${stream}`);
  }
  if (missing.includes(`stream ${config.stream}`)) return missing;
  for (let p = 0; p < config.partitions; p++) {
    const name = consumerName(config.consumer.prefix, p);
    if (
      !(await jsm.consumers.info(config.stream, name).then(
        () => true,
        () => false,
      ))
    )
      missing.push(`consumer ${config.stream}/${name}`);
  }
  return missing;
}

/** Provisions (idempotent), or with WORKER_PROVISION=false only checks, naming what is missing in one line. */
export async function prepareNats(nc: NatsConnection, config: SiftConfig['nats'], logger: Logger): Promise<void> {
  if (config.provision) {
    const report = await provision(nc, config);
    if (report.created.length > 0) logger.info({ created: report.created }, 'provisioned NATS');
    if (report.updated.length > 0) logger.info({ updated: report.updated }, 'brought NATS up to date');
    return;
  }
  const missing = await missingOnNats(nc, config);
  if (missing.length === 0) return;
  const shown = missing.length > 4 ? [...missing.slice(0, 4), `${missing.length - 4} more`] : missing;
  throw new NotProvisionedError(
    `NATS lacks ${shown.join(', ')} and WORKER_PROVISION=false: run \`sift provision\` with an account that may create streams and consumers`,
  );
}
