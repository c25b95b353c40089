import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SiftConfig } from '../config/load.js';
import type { FleetOptions } from '../simulate/fleet.js';
import { simulate } from '../simulate/publish.js';

/**
 * Fills the stream fast: the simulator with a large window of unacknowledged JetStream publishes
 * (core publishes drop some at that pace), then a check that the stream holds every message.
 */
export async function preload(
  nc: NatsConnection,
  config: SiftConfig,
  fleet: Omit<FleetOptions, 'startMs'>,
  count: number,
  kinds: string[] = ['metrics'],
): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const before = (await jsm.streams.info(config.nats.stream)).state.messages;
  // No start time: the simulator ends every kind's events about now (the device fleet's last round, the
  // other kinds by their own steps), so none passes the accepted window into the future.
  await simulate(config, { ...fleet, startMs: undefined, count, rate: 0, window: 4_096, kinds });
  const stored = (await jsm.streams.info(config.nats.stream)).state.messages - before;
  if (stored !== count) throw new Error(`preload: the stream holds ${stored} of ${count} messages`);
  return stored;
}
