import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseKeyRecord, type KeyRecord } from './key-record.js';

/** The keys bucket of a deployment: every gateway reads it, `sift keys` writes it. */
export const keysBucket = (consumerPrefix: string): string => `${consumerPrefix}-gateway-keys`;

/** A change the store reports: a name's record (revoked or not), or its removal. */
export interface KeyChange {
  name: string;
  revision: number;
  record: KeyRecord | undefined;
}

/** API keys in a NATS KV bucket, one entry per name, holding the record (the secret's hash, never the secret). */
export class KeyStore {
  private constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection, bucket: string, replicas: number): Promise<KeyStore> {
    return new KeyStore(
      await new Kvm(nc).create(bucket, { history: 1, replicas, description: 'Sift gateway API keys: scope and SHA-256 hash per key name' }),
    );
  }

  /** Stores a new key; false when the name is taken (revoked names stay taken, so an old secret never comes back). */
  async create(record: KeyRecord): Promise<boolean> {
    try {
      await this.kv.create(record.name, JSON.stringify(record));
      return true;
    } catch (error) {
      if (/wrong last sequence|key exists/i.test((error as Error).message)) return false;
      throw error;
    }
  }

  async get(name: string): Promise<{ record: KeyRecord; revision: number } | undefined> {
    const entry = await this.kv.get(name);
    const record = entry && entry.operation === 'PUT' ? parseKeyRecord(entry.string()) : undefined;
    return record && { record, revision: entry!.revision };
  }

  async list(): Promise<KeyRecord[]> {
    const names: string[] = [];
    for await (const name of await this.kv.keys()) names.push(name);
    const records = await Promise.all(names.map(async (name) => (await this.get(name))?.record));
    return records.filter((r): r is KeyRecord => r !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Marks a key revoked (only if unchanged since read); 'missing' when there is no such key. */
  async revoke(name: string): Promise<'revoked' | 'already' | 'missing'> {
    for (;;) {
      const found = await this.get(name);
      if (!found) return 'missing';
      if (found.record.revoked) return 'already';
      try {
        await this.kv.update(name, JSON.stringify({ ...found.record, revoked: true }), found.revision);
        return 'revoked';
      } catch (error) {
        if (!/wrong last sequence/i.test((error as Error).message)) throw error;
      }
    }
  }

  /** Every change from now on, until the returned stop is called or the watch breaks (then `onEnd`). */
  async watch(onChange: (change: KeyChange) => void, onEnd: () => void): Promise<() => void> {
    const watch = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const entry of watch) {
        onChange({
          name: entry.key,
          revision: entry.revision,
          record: entry.operation === 'PUT' ? parseKeyRecord(entry.string()) : undefined,
        });
      }
    })().finally(onEnd);
    return () => watch.stop();
  }
}
