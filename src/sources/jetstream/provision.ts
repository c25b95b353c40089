import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SiftConfig } from '../../config/load.js';
import { consumerName, partitionFilter, streamSubjects, subjectTransform, type SubjectLayout } from './subjects.js';

/** An existing stream or consumer that differs from what Sift would create; never silently recreated. */
export class ProvisionConflictError extends Error {
  override name = 'ProvisionConflictError';
}

const nanos = (ms: number): number => ms * 1_000_000;

export function layoutOf(config: SiftConfig['nats']): SubjectLayout {
  return { prefix: config.subjectPrefix, partitions: config.partitions };
}

export function desiredStream(config: SiftConfig['nats']): Partial<StreamConfig> & { name: string } {
  const layout = layoutOf(config);
  return {
    name: config.stream,
    description: `Sift telemetry, partitioned into ${config.partitions} by key`,
    subjects: streamSubjects(layout),
    subject_transform: subjectTransform(layout),
    retention: RetentionPolicy.Limits,
    storage: config.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: config.replicas,
    max_age: config.maxAgeS * 1_000_000_000,
    max_bytes: config.maxBytes,
    // The server refuses a body larger than this at publish time; the worker dead-letters smaller
    // oversize bodies (maxMsgBytes) itself. Headroom for headers.
    max_msg_size: -1,
    duplicate_window: nanos(120_000),
  };
}

export function desiredDeadLetterStream(config: SiftConfig['nats']): Partial<StreamConfig> & { name: string } {
  return {
    name: config.dlqStream,
    description: 'Sift dead letters: bad input with its reason in Sift-* headers',
    subjects: [`${config.dlqSubjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: config.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: config.replicas,
    max_age: config.dlqMaxAgeS * 1_000_000_000,
    duplicate_window: nanos(120_000),
  };
}

export function desiredConsumer(config: SiftConfig['nats'], partition: number): Partial<ConsumerConfig> {
  const name = consumerName(config.consumer.prefix, partition);
  return {
    durable_name: name,
    name,
    description: `Sift partition ${partition}`,
    filter_subject: partitionFilter(layoutOf(config), partition),
    deliver_policy: DeliverPolicy.All,
    // One owner per partition acks once per flushed batch: acking the last message acks all before it.
    ack_policy: AckPolicy.All,
    ack_wait: nanos(config.consumer.ackWaitMs),
    max_ack_pending: config.consumer.maxAckPending,
    max_deliver: config.consumer.maxDeliver,
    max_waiting: 512,
    priority_groups: [config.consumer.group],
    priority_policy: 'pinned_client',
    priority_timeout: nanos(config.consumer.pinnedTtlMs),
  };
}

/** Fields whose difference makes an existing setup a conflict, by what Sift relies on. */
const STREAM_KEYS = ['subjects', 'subject_transform', 'storage', 'retention', 'num_replicas', 'max_age', 'max_bytes'] as const;
/** Dead-letter stream fields Sift brings up to date on an existing stream: only its retention, which loses nothing a reader still needs. */
const DLQ_UPDATED_KEYS = ['max_age'] as const;
const CONSUMER_KEYS = [
  'filter_subject',
  'ack_policy',
  'deliver_policy',
  'ack_wait',
  'max_ack_pending',
  'max_deliver',
  'priority_groups',
  'priority_policy',
  'priority_timeout',
] as const;

function differences(existing: object, desired: object, keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const want = (desired as Record<string, unknown>)[key];
    const have = (existing as Record<string, unknown>)[key];
    if (want === undefined) continue;
    if (JSON.stringify(have ?? null) !== JSON.stringify(want))
      out.push(`${key}: has ${JSON.stringify(have ?? null)}, wants ${JSON.stringify(want)}`);
  }
  return out;
}

export interface ProvisionReport {
  created: string[];
  /** What was changed, with the change (e.g. the dead-letter stream's retention). */
  updated: string[];
  unchanged: string[];
}

async function ensureStream(
  jsm: JetStreamManager,
  desired: Partial<StreamConfig> & { name: string },
  report: ProvisionReport,
  updatable: readonly string[] = [],
): Promise<void> {
  const name = desired.name!;
  let info;
  try {
    info = await jsm.streams.info(name);
  } catch (error) {
    if (!/stream not found/i.test((error as Error).message)) throw error;
    await jsm.streams.add(desired);
    report.created.push(`stream ${name}`);
    return;
  }
  const diff = differences(
    info.config,
    desired,
    STREAM_KEYS.filter((key) => !updatable.includes(key)),
  );
  const update = differences(info.config, desired, updatable);
  if (diff.length === 0 && update.length > 0) {
    const changes = Object.fromEntries(updatable.map((key) => [key, (desired as Record<string, unknown>)[key]]));
    await jsm.streams.update(name, { ...info.config, ...changes }).catch((error: unknown) => {
      throw new ProvisionConflictError(
        `stream ${name} exists with a different configuration (${update.join('; ')}) and could not be updated (${(error as Error).message}): run \`sift provision\` with an account that may update it`,
      );
    });
    report.updated.push(`stream ${name} (${update.join('; ')})`);
    return;
  }
  if (diff.length > 0) {
    throw new ProvisionConflictError(
      `stream ${name} exists with a different configuration (${diff.join('; ')}). ` +
        'Sift does not change or recreate it, which could lose data: adjust the configuration to match, or migrate the stream by hand.',
    );
  }
  report.unchanged.push(`stream ${name}`);
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  desired: Partial<ConsumerConfig>,
  report: ProvisionReport,
): Promise<void> {
  const name = desired.durable_name!;
  let info;
  try {
    info = await jsm.consumers.info(stream, name);
  } catch (error) {
    if (!/consumer not found/i.test((error as Error).message)) throw error;
    await jsm.consumers.add(stream, desired);
    report.created.push(`consumer ${stream}/${name}`);
    return;
  }
  const diff = differences(info.config, desired, CONSUMER_KEYS);
  if (diff.length > 0) {
    throw new ProvisionConflictError(
      `consumer ${stream}/${name} exists with a different configuration (${diff.join('; ')}). ` +
        'Sift does not change or recreate it: deleting a consumer forgets its acknowledged position.',
    );
  }
  report.unchanged.push(`consumer ${stream}/${name}`);
}

/** Creates the stream, the dead-letter stream and one consumer per partition; idempotent. */
export async function provision(nc: NatsConnection, config: SiftConfig['nats']): Promise<ProvisionReport> {
  const jsm = await jetstreamManager(nc);
  const report: ProvisionReport = { created: [], updated: [], unchanged: [] };
  await ensureStream(jsm, desiredStream(config), report);
  await ensureStream(jsm, desiredDeadLetterStream(config), report, DLQ_UPDATED_KEYS);
  for (let p = 0; p < config.partitions; p++) await ensureConsumer(jsm, config.stream, desiredConsumer(config, p), report);
  return report;
}
