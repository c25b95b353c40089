import type { Logger } from '../../telemetry/logger.js';
import { hashSecret, isBrowserKey, type KeyRecord } from './key-record.js';
import type { KeyChange, KeyStore } from './key-store.js';

/**
 * This gateway's view of the keys bucket, kept current by a watch, so a revocation reaches every
 * gateway within moments and a request costs a map lookup, not a NATS round trip. The watch is
 * started before the full read, and a change applies only over an older revision, so nothing
 * written in between is missed.
 */
export class KeyDirectory {
  private readonly byName = new Map<string, { revision: number; record: KeyRecord | undefined }>();
  private byHash = new Map<string, KeyRecord>();
  private origins = new Set<string>();
  private stopWatch: (() => void) | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  /** Whether the bucket has been read in full at least once. */
  loaded = false;

  constructor(
    private readonly store: KeyStore,
    private readonly log: Logger,
    private readonly retryMs = 1_000,
  ) {}

  /** Reads the bucket and watches it; resolves once read. */
  async start(): Promise<void> {
    this.stopWatch = await this.store.watch(
      (change) => this.apply(change),
      () => this.watchEnded(),
    );
    for (const record of await this.store.list()) {
      const entry = await this.store.get(record.name);
      if (entry) this.apply({ name: record.name, revision: entry.revision, record: entry.record });
    }
    this.loaded = true;
  }

  /** The record of a secret, revoked or not; undefined when no key has it. */
  find(secret: string): KeyRecord | undefined {
    return this.byHash.get(hashSecret(secret));
  }

  /** Whether some live browser key serves this origin (a CORS preflight carries no key). */
  servesOrigin(origin: string): boolean {
    return this.origins.has(origin);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stopWatch?.();
  }

  private apply(change: KeyChange): void {
    const known = this.byName.get(change.name);
    if (known && known.revision >= change.revision) return;
    this.byName.set(change.name, { revision: change.revision, record: change.record });
    const byHash = new Map<string, KeyRecord>();
    const origins = new Set<string>();
    for (const { record } of this.byName.values()) {
      if (!record) continue;
      byHash.set(record.hash, record);
      if (isBrowserKey(record) && !record.revoked) for (const origin of record.origins) origins.add(origin);
    }
    this.byHash = byHash;
    this.origins = origins;
    if (known && change.record?.revoked && !known.record?.revoked) this.log.info({ key: change.name }, 'API key revoked');
  }

  private watchEnded(): void {
    if (this.stopped) return;
    this.log.warn('keys bucket watch ended; watching again');
    this.retry = setTimeout(() => {
      this.start().catch((error: unknown) => {
        this.log.warn({ err: (error as Error).message }, 'keys bucket unreadable; trying again');
        this.watchEnded();
      });
    }, this.retryMs);
  }
}
