import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SiftConfig } from '../config/load.js';
import type { FleetOptions } from '../simulate/fleet.js';
import { simulate } from '../cli/simulate.js';

/**
 * Fills the stream fast: the simulator with a large window of unacknowledged JetStream publishes
 * (core publishes were measured to drop about 4 % at a million messages), then a check that the
 * stream holds every message.
 */
export async function preload(nc: NatsConnection, config: SiftConfig, fleet: FleetOptions, count: number, kinds: string[] = ['metrics']): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const before = (await jsm.streams.info(config.nats.stream)).state.messages;
  await simulate(config, { ...fleet, count, rate: 0, window: 4_096, kinds });
  const stored = (await jsm.streams.info(config.nats.stream)).state.messages - before;
  if (stored !== count) throw new Error(`preload: the stream holds ${stored} of ${count} messages`);
  return stored;
}
