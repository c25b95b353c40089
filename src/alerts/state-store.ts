import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AlertState } from './evaluate.js';
import type { AlertEvent } from './event.js';

/** One alert's KV entry: its state (null once forgotten) and the events decided but not yet delivered. */
export interface AlertRecord {
  alert: AlertState | null;
  outbox: AlertEvent[];
}

export interface StoredRecord {
  record: AlertRecord;
  revision: number;
}

/** Another evaluator wrote the entry since we read it: this evaluation is stale and is dropped. */
export class AlertStateConflict extends Error {
  override name = 'AlertStateConflict';
}

/**
 * Alert states in a NATS KV bucket, keyed `<rule>.<labels hash>`. Every write names the revision
 * it read (compare-and-set), so two evaluators that both believe they lead cannot both record
 * (and then announce) the same transition.
 */
export class AlertStateStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, bucket: string, replicas = 1): Promise<AlertStateStore> {
    return new AlertStateStore(
      await new Kvm(nc).create(bucket, {
        history: 1,
        replicas,
        description: 'Sift alert states (rule + labels → pending/firing/resolved)',
      }),
    );
  }

  async load(rule?: string): Promise<Map<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    const keys: string[] = [];
    for await (const key of await this.kv.keys(rule ? `${rule}.>` : '>')) keys.push(key);
    for (const key of keys) {
      const entry = await this.kv.get(key);
      if (entry?.operation !== 'PUT') continue;
      found.set(key, { record: entry.json<AlertRecord>(), revision: entry.revision });
    }
    return found;
  }

  /** Writes `record` if the entry is still at `revision` (0: must not exist); returns the new revision. */
  async write(key: string, record: AlertRecord, revision: number): Promise<number> {
    try {
      const data = JSON.stringify(record);
      return revision === 0 ? await this.kv.create(key, data) : await this.kv.update(key, data, revision);
    } catch (error) {
      throw new AlertStateConflict(`alert state ${key} changed since revision ${revision}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Removes a forgotten alert if the entry is still at `revision`. */
  async remove(key: string, revision: number): Promise<void> {
    try {
      await this.kv.delete(key, { previousSeq: revision });
    } catch (error) {
      throw new AlertStateConflict(`alert state ${key} changed since revision ${revision}: ${(error as Error).message}`, { cause: error });
    }
  }
}
