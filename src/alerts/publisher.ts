import { RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClickHouseClient } from '@clickhouse/client';
import type { AlertEvent } from './event.js';
import { insertSettings } from '../sinks/clickhouse/insert-settings.js';
import { NotProvisionedError } from '../sources/jetstream/prepare.js';

/** The ALERTS stream: created when missing (unless WORKER_PROVISION=false), left alone when it exists. */
export async function provisionAlertStream(
  nc: NatsConnection,
  o: { stream: string; subjectPrefix: string; storage: 'file' | 'memory'; replicas: number; create: boolean },
): Promise<void> {
  const { stream, subjectPrefix, storage } = o;
  const jsm = await jetstreamManager(nc);
  const exists = await jsm.streams.info(stream).then(
    () => true,
    () => false,
  );
  if (exists) return;
  if (!o.create)
    throw new NotProvisionedError(
      `NATS lacks the alert stream ${stream} and WORKER_PROVISION=false: create it with an account that may (subjects ${subjectPrefix}.>), or let a worker provision`,
    );
  await jsm.streams.add({
    name: stream,
    description: 'Sift alert events: FIRING and RESOLVED per rule and labels',
    subjects: [`${subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: o.replicas,
    max_age: 30 * 86_400 * 1e9,
    // A new leader may announce again what the old one announced just before it died: the id drops it.
    duplicate_window: 3_600 * 1e9,
  });
}

/** The public shape of an event on NATS and to the receivers. */
export function publicEvent(e: AlertEvent) {
  const { rule, severity, state, labels, value, threshold, starts_at, ends_at, annotations } = e;
  return { rule, severity, state, labels, value, threshold, starts_at, ends_at, annotations };
}

export class AlertPublisher {
  private readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly subjectPrefix: string,
  ) {
    this.js = jetstream(nc);
  }

  /** Publishes with Nats-Msg-Id = the event id; returns whether the stream took it as new. */
  async publish(e: AlertEvent): Promise<boolean> {
    const ack = await this.js.publish(`${this.subjectPrefix}.${e.rule}`, JSON.stringify(publicEvent(e)), { msgID: e.id });
    return !ack.duplicate;
  }
}

/** Every transition as a row of `alerts`; the event id is the deduplication token, so a repeat is dropped. */
export async function recordTransition(client: ClickHouseClient, database: string, e: AlertEvent): Promise<void> {
  const toCh = (iso: string | null) => (iso === null ? null : iso.replace('T', ' ').replace('Z', ''));
  await client.insert({
    table: `${database}.alerts`,
    values: [
      {
        at: toCh(e.at),
        rule: e.rule,
        severity: e.severity,
        state: e.state,
        previous_state: e.previous_state,
        labels: e.labels,
        value: e.value,
        threshold: e.threshold,
        active_at: toCh(e.active_at),
        starts_at: toCh(e.starts_at),
        ends_at: toCh(e.ends_at),
        annotations: e.annotations,
        event_id: e.id,
      },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: insertSettings(e.id),
  });
}
