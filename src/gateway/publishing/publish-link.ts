import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../telemetry/logger.js';

export interface Link {
  nc: NatsConnection;
  js: JetStreamClient;
}

/**
 * The gateway's publishing connection, which never reconnects by itself. nats.js keeps what is
 * published while it reconnects in its outbound buffer and writes it once a dial succeeds: an
 * event the gateway had already answered 503 for would then be stored after all. So a lost
 * connection is closed with whatever it still buffers, and a new one is dialled; requests meanwhile
 * get 503 at once, publishing nothing.
 */
export class PublishLink {
  private link: Link | undefined;
  private stopping = false;
  private redialing = false;

  constructor(
    /** Opens a connection with reconnect off. */
    private readonly dial: () => Promise<NatsConnection>,
    private readonly log: Logger,
    private readonly retryMs = 500,
  ) {}

  /** Connects; throws when NATS does not answer (at start-up a gateway without NATS is a configuration problem). */
  async start(): Promise<void> {
    this.adopt(await this.dial());
  }

  /** The live connection, or undefined while there is none. */
  get current(): Link | undefined {
    return this.link;
  }

  /**
   * Closes a connection a publish gave up on, dropping what it still buffers so that cannot be
   * stored later behind the gateway's back; a new one is dialled.
   */
  abandon(link: Link): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.log.warn('NATS did not acknowledge in time: closing the publishing connection and dialling a new one');
    void link.nc.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.stopping = true;
    const link = this.link;
    this.link = undefined;
    await link?.nc.drain().catch(() => undefined);
  }

  private adopt(nc: NatsConnection): void {
    const link = { nc, js: jetstream(nc) };
    this.link = link;
    void nc.closed().then((error) => {
      if (this.link === link) {
        this.link = undefined;
        this.log.warn({ err: error?.message }, 'NATS publishing connection lost; dialling a new one');
      }
      this.redial();
    });
  }

  private redial(): void {
    if (this.stopping || this.redialing) return;
    this.redialing = true;
    void (async () => {
      while (!this.stopping) {
        await new Promise((resolve) => setTimeout(resolve, this.retryMs));
        if (this.stopping) break;
        try {
          const nc = await this.dial();
          if (this.stopping) {
            await nc.close();
            break;
          }
          this.redialing = false;
          this.adopt(nc);
          this.log.info('NATS publishing connection open again');
          return;
        } catch {
          // NATS still away: requests get 503 meanwhile; try again.
        }
      }
      this.redialing = false;
    })();
  }
}
