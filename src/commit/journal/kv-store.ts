import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeEntry, emptyEntry, encodeEntry, journalKey, type JournalEntry } from './entry.js';

/** A partition's entry as read, with the revision a conditional write names. */
export interface StoredEntry {
  revision: number;
  entry: JournalEntry;
}

/** The store the journal keeps its entries in: reads, and writes conditional on a revision. */
export interface JournalStore {
  read(partition: number): Promise<StoredEntry>;
  /** Writes over `revision` (0: the key must not exist); refused with a WrongRevisionError when the key moved since. Resolves to the new revision. */
  write(partition: number, entry: JournalEntry, revision: number): Promise<number>;
}

/** The store refused a conditional write: the key changed (or exists) since the revision given. */
export class WrongRevisionError extends Error {
  override name = 'WrongRevisionError';
}

/** The journal in a NATS KV bucket, one key per partition (history 1: only the current entry matters). */
export async function openKvJournalStore(nc: NatsConnection, bucket: string, replicas: number): Promise<JournalStore> {
  const kv = await new Kvm(nc).create(bucket, {
    history: 1,
    replicas,
    description: 'Sift batch journal: per partition, the stored sequence and the commit in flight',
  });
  return kvJournalStore(kv);
}

export function kvJournalStore(kv: KV): JournalStore {
  return {
    async read(partition) {
      const found = await kv.get(journalKey(partition));
      if (found?.operation !== 'PUT' || found.length === 0) return { revision: found?.revision ?? 0, entry: emptyEntry() };
      return { revision: found.revision, entry: decodeEntry(found.string()) };
    },
    async write(partition, entry, revision) {
      const data = encodeEntry(entry);
      try {
        return revision === 0 ? await kv.create(journalKey(partition), data) : await kv.update(journalKey(partition), data, revision);
      } catch (error) {
        if (isWrongRevision(error)) throw new WrongRevisionError((error as Error).message, { cause: error });
        throw error;
      }
    },
  };
}

function isWrongRevision(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return /wrong last sequence|key exists|10071|10164/i.test(text) || (error as { code?: unknown })?.code === 10071;
}
