import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../telemetry/logger.js';

/**
 * Live workers, as keys in a KV bucket whose entries expire: each worker rewrites its key every
 * heartbeat, so a worker that dies drops out within three heartbeats. Every worker lists the
 * bucket on the same beat and calls `onChange` when the set of members differs.
 */
export class Membership {
  private timer: NodeJS.Timeout | undefined;
  private members: string[] = [];
  private beating: Promise<void> = Promise.resolve();

  private constructor(
    private readonly kv: KV,
    readonly self: string,
    private readonly logger: Logger,
    private readonly onChange: (members: string[]) => void,
  ) {}

  static async join(
    nc: NatsConnection,
    bucket: string,
    self: string,
    heartbeatMs: number,
    logger: Logger,
    onChange: (members: string[]) => void,
  ): Promise<Membership> {
    const kv = await new Kvm(nc).create(bucket, {
      ttl: heartbeatMs * 3,
      history: 1,
      description: 'Sift workers alive (keys expire without heartbeats)',
    });
    const membership = new Membership(kv, self, logger, onChange);
    await membership.beat();
    membership.timer = setInterval(() => {
      membership.beating = membership.beating.then(() => membership.beat());
    }, heartbeatMs);
    return membership;
  }

  get current(): readonly string[] {
    return this.members;
  }

  private async beat(): Promise<void> {
    try {
      await this.kv.put(this.self, String(Date.now()));
      const keys: string[] = [];
      for await (const key of await this.kv.keys()) keys.push(key);
      if (!keys.includes(this.self)) keys.push(this.self);
      keys.sort();
      if (keys.join('\n') !== this.members.join('\n')) {
        this.members = keys;
        this.onChange(keys);
      }
    } catch (error) {
      // Keep the last view: partitions stay with their owners while NATS is away.
      this.logger.warn({ err: (error as Error).message }, 'membership heartbeat failed');
    }
  }

  /** Stops the heartbeat and removes this worker's key, so the others take over at once. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.kv.delete(this.self).catch(() => undefined);
  }
}

/** A worker id that is a valid KV key and says where the worker runs. */
export function workerId(host: string, pid: number, random: string): string {
  return `${host}-${pid}-${random}`.replace(/[^-/_=.a-zA-Z0-9]/g, '_');
}
