import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { InvalidEventError } from './errors.js';
import { MessageIds } from './msg-id.js';
import { keyProblem, subjectOf } from './subject.js';
import { Spool, type SpooledEvent } from './spool/spool.js';
import { serializeBody, type KindContract } from './validate/validate-body.js';
import { backoffMs } from './backoff.js';
import { heartbeatBody, systemInfo, type HeartbeatOptions } from './heartbeat.js';
import { clientSwitches } from './switches.js';
import { stderrReporter } from './error-reporter.js';
import { kindContracts, kindNames, type KindBodies, type KindName, type KindPublishers } from './generated/index.js';

export interface SiftClientOptions {
  /** NATS server URL(s); the client connects in the background and reconnects for ever. */
  servers?: string | string[];
  /** Or a connection of your own (the client leaves it open on close). */
  nc?: NatsConnection;
  /** First subject token; must match the worker's SUBJECT_PREFIX. Default "telemetry". */
  subjectPrefix?: string;
  /** Directory of the offline spool, one per client process. Default <tmpdir>/sift-client-spool. */
  spoolDir?: string;
  /** Spool size cap in bytes; the oldest events are dropped (and counted) beyond it. Default 64 MiB. */
  spoolMaxBytes?: number;
  /** Publishes awaiting their JetStream ack at once. Default 256. */
  maxInFlight?: number;
  /** Events held in memory behind the in-flight window before the client spools instead. Default 10 000. */
  maxQueued?: number;
  /** How long to wait for a JetStream ack before spooling the event. Default 5000. */
  ackTimeoutMs?: number;
  /** The worker's MAX_MESSAGE_BYTES. Default 65536. */
  maxEventBytes?: number;
  /** Replay backoff after a failed attempt. Default 250 ms doubling to 30 s, with jitter. */
  retry?: { initialMs?: number; maxMs?: number };
  /** Registers the instance: a heartbeat now, every intervalS, and `status: "stopping"` on close. */
  heartbeat?: HeartbeatOptions;
  /** Told of problems the client recovers from itself (a lost ack, a failed replay). Default: a line on stderr, at most one a minute. */
  onError?: (error: Error) => void;
  /** false: every call is a no-op, nothing connects, nothing is spooled. Default: SIFT_CLIENT_ENABLED, else true. */
  enabled?: boolean;
  /** Kinds whose calls are no-ops. Default: SIFT_CLIENT_DISABLED_KINDS (comma-separated), else none. */
  disabledKinds?: readonly KindName[];
}

export interface SiftClientStats {
  /** Events JetStream acknowledged. */
  sent: number;
  /** Of those, resends JetStream recognised by their id as already stored (a lost ack, not a duplicate row). */
  deduplicated: number;
  /** Events ever written to the spool. */
  spooled: number;
  /** Events the spool dropped to stay under its cap (oldest first). */
  dropped: number;
  /** Events in the spool now, and their bytes. */
  spoolEvents: number;
  spoolBytes: number;
  /** Publishes awaiting an ack, and events queued in memory behind them. */
  inFlight: number;
  queued: number;
  /** Whether events go straight to NATS (online), to the spool until it is replayed (offline), or nowhere (disabled). */
  mode: 'online' | 'offline' | 'disabled';
}

interface PendingEvent extends SpooledEvent {}

/** The client's own members; a typed publisher per kind (client.metrics(...), …) comes with it. */
export interface SiftClientCore {
  /** Validates and sends (or spools) one event; throws InvalidEventError only for a bad event or key. */
  publish<K extends KindName>(kind: K, key: string, body: KindBodies[K]): void;
  /**
   * For events built by integrations (heartbeats, HTTP middleware): validated like publish() when
   * the kind is registered, else sent as built, so it works before the worker knows the kind.
   */
  publishBuilt(kind: string, key: string, body: Record<string, unknown>): void;
  stats(): SiftClientStats;
  /** Resolves true once connected with the spool replayed and nothing in flight, false at the timeout (publishing never needs it). */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Sends the final heartbeat, flushes in-flight events and the spool until `deadlineMs`; what is left stays spooled. */
  close(options?: { deadlineMs?: number }): Promise<SiftClientStats>;
}

export type SiftClient = SiftClientCore & KindPublishers;

const DEFAULTS = {
  subjectPrefix: 'telemetry',
  spoolMaxBytes: 64 * 1024 * 1024,
  maxInFlight: 256,
  maxQueued: 10_000,
  ackTimeoutMs: 5_000,
  maxEventBytes: 64 * 1024,
};

/**
 * Opens the spool and waits for the first connection attempt (at most its 2 s timeout), so events
 * sent right after start go straight to NATS when it is up; when it is not, they spool and the
 * client keeps connecting in the background.
 */
export async function createSiftClient(options: SiftClientOptions): Promise<SiftClient> {
  const switches = clientSwitches(options);
  const client = switches.enabled ? new SiftClientImpl(options, switches.disabledKinds) : new DisabledClient();
  for (const kind of kindNames) {
    Object.defineProperty(client, kind, { value: (key: string, body: never) => client.publish(kind, key, body), enumerable: false });
  }
  await client.start();
  return client as unknown as SiftClient;
}

/** Server URLs for a message: credentials in a URL stay out of logs. */
const withoutUserinfo = (servers: string | string[]) =>
  (Array.isArray(servers) ? servers : [servers]).map((url) => url.replace(/\/\/[^/]*@/, '//***@')).join(', ');

/** The client when switched off: the same calls, none of them doing anything. */
class DisabledClient implements SiftClientCore {
  async start(): Promise<void> {}
  publish(): void {}
  publishBuilt(): void {}
  stats(): SiftClientStats {
    return { sent: 0, deduplicated: 0, spooled: 0, dropped: 0, spoolEvents: 0, spoolBytes: 0, inFlight: 0, queued: 0, mode: 'disabled' };
  }
  async ready(): Promise<boolean> {
    return true;
  }
  async close(): Promise<SiftClientStats> {
    return this.stats();
  }
}

class SiftClientImpl implements SiftClientCore {
  private readonly prefix: string;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly ackTimeoutMs: number;
  private readonly maxEventBytes: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly spool: Spool;
  private readonly ids = new MessageIds();
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private readonly ownsConnection: boolean;
  private mode: 'online' | 'offline' = 'offline';
  private connected = false;
  private closed = false;
  private queue: PendingEvent[] = [];
  private queueHead = 0;
  private readonly inFlight = new Map<string, PendingEvent>();
  private replaying = false;
  private replayTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private sent = 0;
  private deduplicated = 0;
  private readonly idleWaiters = new Set<() => void>();
  private readonly report: (error: Error) => void;

  constructor(
    private readonly options: SiftClientOptions,
    private readonly disabledKinds: ReadonlySet<string> = new Set(),
  ) {
    this.report = options.onError ?? stderrReporter();
    this.prefix = options.subjectPrefix ?? DEFAULTS.subjectPrefix;
    if (keyProblem(this.prefix.replace(/\./g, '_')))
      throw new Error(`subjectPrefix ${JSON.stringify(this.prefix)} is not a subject prefix`);
    this.maxInFlight = options.maxInFlight ?? DEFAULTS.maxInFlight;
    this.maxQueued = options.maxQueued ?? DEFAULTS.maxQueued;
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULTS.ackTimeoutMs;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULTS.maxEventBytes;
    this.retryInitialMs = options.retry?.initialMs ?? 250;
    this.retryMaxMs = options.retry?.maxMs ?? 30_000;
    if (!options.nc && !options.servers) throw new Error('createSiftClient needs servers or nc');
    if (options.heartbeat) {
      const problem = keyProblem(options.heartbeat.instanceId);
      if (problem) throw new InvalidEventError('heartbeat', 'key', `heartbeat.instanceId: ${problem}`);
    }
    this.spool = Spool.open(options.spoolDir ?? join(tmpdir(), 'sift-client-spool'), options.spoolMaxBytes ?? DEFAULTS.spoolMaxBytes);
    this.ownsConnection = !options.nc;
  }

  async start(): Promise<void> {
    if (this.options.nc) this.attach(this.options.nc);
    else await this.connectUntilUp(0);
    if (this.options.heartbeat && !this.disabledKinds.has('heartbeat')) {
      this.beat();
      const intervalMs = (this.options.heartbeat.intervalS ?? 3600) * 1000;
      this.heartbeatTimer = setInterval(() => this.beat(), intervalMs);
      this.heartbeatTimer.unref();
    }
  }

  publish<K extends KindName>(kind: K, key: string, body: KindBodies[K]): void {
    const contract = (kindContracts as Record<string, KindContract | undefined>)[kind];
    if (!contract)
      throw new InvalidEventError(String(kind), 'key', `unknown kind ${JSON.stringify(kind)} (known: ${kindNames.join(', ')})`);
    this.send(kind, key, body, contract);
  }

  publishBuilt(kind: string, key: string, body: Record<string, unknown>): void {
    this.send(kind, key, body, (kindContracts as Record<string, KindContract | undefined>)[kind]);
  }

  private send(kind: string, key: string, body: unknown, contract: KindContract | undefined): void {
    if (this.disabledKinds.has(kind)) return;
    if (this.closed) throw new Error(`sift client is closed; ${kind} event for ${JSON.stringify(key)} not sent`);
    const problem = keyProblem(key);
    if (problem) throw new InvalidEventError(kind, 'key', problem);
    const data = contract ? serializeBody(kind, contract, body, this.maxEventBytes) : JSON.stringify(body);
    this.enqueue({ id: this.ids.next(), subject: subjectOf(this.prefix, kind, key), data });
  }

  stats(): SiftClientStats {
    return {
      sent: this.sent,
      deduplicated: this.deduplicated,
      spooled: this.spool.written,
      dropped: this.spool.dropped,
      spoolEvents: this.spool.events,
      spoolBytes: this.spool.bytes,
      inFlight: this.inFlight.size,
      queued: this.queue.length - this.queueHead,
      mode: this.mode,
    };
  }

  async ready(timeoutMs = 30_000): Promise<boolean> {
    return this.untilIdle(Date.now() + timeoutMs);
  }

  async close(options: { deadlineMs?: number } = {}): Promise<SiftClientStats> {
    if (this.closed) return this.stats();
    const deadline = Date.now() + (options.deadlineMs ?? 10_000);
    clearInterval(this.heartbeatTimer);
    if (this.options.heartbeat && !this.disabledKinds.has('heartbeat')) this.beat('stopping');
    this.retryNow();
    await this.untilIdle(deadline);
    this.closed = true;
    clearTimeout(this.replayTimer);
    clearTimeout(this.connectTimer);
    // Whatever is still unacknowledged waits in the spool for the next start; a late ack only means a deduplicated resend.
    const unsent = [...this.inFlight.values(), ...this.queue.slice(this.queueHead)];
    this.inFlight.clear();
    this.queue = [];
    this.queueHead = 0;
    for (const event of unsent) this.toSpool(event);
    const stats = this.stats();
    this.spool.close();
    if (this.ownsConnection && this.nc) await this.nc.close().catch(() => undefined);
    return stats;
  }

  private beat(status?: string): void {
    const heartbeat = this.options.heartbeat!;
    try {
      this.publishBuilt(
        'heartbeat',
        heartbeat.instanceId,
        heartbeatBody(heartbeat, { ...(status ? { status } : {}), system: systemInfo() }),
      );
    } catch (error) {
      this.report(error as Error);
    }
  }

  /** First connection: retried with backoff until it works or the client closes (events spool meanwhile); resolves after one attempt. */
  private connectUntilUp(attempt: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const servers = this.options.servers!;
    return connect({
      servers,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 2_000,
      name: 'sift-client',
    }).then(
      (nc) => (this.closed ? void nc.close() : this.attach(nc)),
      (error: Error) => {
        this.report(
          new Error(`NATS connection to ${withoutUserinfo(servers)} failed (attempt ${attempt + 1}), retrying: ${error.message}`, {
            cause: error,
          }),
        );
        this.connectTimer = setTimeout(
          () => void this.connectUntilUp(attempt + 1),
          backoffMs(attempt, this.retryInitialMs, this.retryMaxMs),
        );
        this.connectTimer.unref(); // a client nobody closed must not keep the process alive
      },
    );
  }

  private attach(nc: NatsConnection): void {
    this.nc = nc;
    this.js = jetstream(nc);
    this.connected = !nc.isClosed();
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect' || status.type === 'close') {
          this.connected = false;
          this.goOffline();
        } else if (status.type === 'reconnect') {
          this.connected = true;
          this.retryNow();
        }
      }
    })();
    nc.closed().then(() => {
      this.connected = false;
      this.goOffline();
    });
    // Nothing left from an earlier run: send straight away rather than through an empty replay.
    if (this.connected && this.spool.isEmpty && this.inFlight.size === 0) this.mode = 'online';
    this.retryNow();
  }

  private enqueue(event: PendingEvent): void {
    if (this.mode === 'offline') {
      this.toSpool(event);
      this.scheduleReplay(0);
      return;
    }
    if (this.queue.length - this.queueHead >= this.maxQueued) {
      this.goOffline();
      this.toSpool(event);
      return;
    }
    this.queue.push(event);
    this.pump();
  }

  private pump(): void {
    while (this.mode === 'online' && this.inFlight.size < this.maxInFlight && this.queueHead < this.queue.length) {
      const event = this.queue[this.queueHead++]!;
      if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.inFlight.set(event.id, event);
      this.js!.publish(event.subject, event.data, { msgID: event.id, timeout: this.ackTimeoutMs }).then(
        (ack) => {
          if (!this.inFlight.delete(event.id)) return; // close() already spooled it
          this.sent++;
          if (ack.duplicate) this.deduplicated++;
          this.pump();
          this.notifyIdle();
        },
        (error: Error) => {
          if (!this.inFlight.has(event.id)) return; // spooled already, in order
          this.goOffline(error);
          this.notifyIdle();
        },
      );
    }
  }

  /**
   * From now on events go to the spool, behind those in flight and queued in memory, until a replay
   * empties it. Events in flight are spooled first, as they are older than the queued ones: spooled
   * when their publish failed, seconds later, they were replayed after everything queued meanwhile
   * (out of publish order, so the filter took them for late readings). A late ack of one only makes
   * its replay a deduplicated resend.
   */
  private goOffline(error?: Error): void {
    if (this.mode === 'offline') return;
    this.mode = 'offline';
    if (error) this.report(new Error(`JetStream publish failed, spooling until NATS acks again: ${error.message}`, { cause: error }));
    for (const event of this.inFlight.values()) this.toSpool(event);
    this.inFlight.clear();
    for (let i = this.queueHead; i < this.queue.length; i++) this.toSpool(this.queue[i]!);
    this.queue = [];
    this.queueHead = 0;
    this.scheduleReplay(backoffMs(this.attempt, this.retryInitialMs, this.retryMaxMs));
  }

  private retryNow(): void {
    this.attempt = 0;
    clearTimeout(this.replayTimer);
    this.replayTimer = undefined;
    this.scheduleReplay(0);
  }

  private scheduleReplay(delayMs: number): void {
    if (this.replaying || this.replayTimer || this.closed || this.mode === 'online') return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      void this.replay();
    }, delayMs);
    this.replayTimer.unref(); // unsent events wait in the spool for the next start
  }

  /** Sends the spool in order, a window at a time, committing the acknowledged prefix; online once empty. */
  private async replay(): Promise<void> {
    if (this.replaying || this.closed || this.mode === 'online' || !this.js || !this.connected) return;
    this.replaying = true;
    let failed: Error | undefined;
    try {
      for (;;) {
        const batch = this.spool.read(this.maxInFlight);
        if (batch.length === 0) break;
        const js = this.js;
        const results = await Promise.allSettled(
          batch.map(({ event }) => js.publish(event.subject, event.data, { msgID: event.id, timeout: this.ackTimeoutMs })),
        );
        if (this.closed) return;
        const acked = results.findIndex((r) => r.status === 'rejected');
        const prefix = acked < 0 ? batch.length : acked;
        if (prefix > 0) {
          this.spool.commit(batch[prefix - 1]!.end);
          this.sent += prefix;
          for (let i = 0; i < prefix; i++)
            if ((results[i] as PromiseFulfilledResult<{ duplicate: boolean }>).value.duplicate) this.deduplicated++;
        }
        if (acked >= 0) {
          failed = (results[acked] as PromiseRejectedResult).reason as Error;
          break;
        }
        this.attempt = 0;
      }
      if (!failed && this.spool.isEmpty && this.inFlight.size === 0) {
        this.spool.clear();
        this.mode = 'online';
      }
    } catch (error) {
      failed = error as Error;
    } finally {
      this.replaying = false;
    }
    if (failed) {
      this.report(
        new Error(`spool replay failed (attempt ${this.attempt + 1}), retrying with backoff: ${failed.message}`, { cause: failed }),
      );
      this.scheduleReplay(backoffMs(this.attempt++, this.retryInitialMs, this.retryMaxMs));
    } else if (this.mode === 'offline') this.scheduleReplay(this.inFlight.size > 0 ? 50 : 0);
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.mode === 'online' && this.inFlight.size === 0 && this.queueHead >= this.queue.length && this.spool.isEmpty;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const wake of this.idleWaiters) wake();
  }

  private untilIdle(deadline: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (idle: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(idle);
      };
      const wake = () => finish(true);
      const timer = setTimeout(() => finish(this.isIdle()), Math.max(0, deadline - Date.now()));
      this.idleWaiters.add(wake);
    });
  }

  /** Appends to the spool; a disk that refuses (full, read-only) costs the event, counted as dropped, never the caller. */
  private toSpool(event: PendingEvent): void {
    try {
      this.spool.append(event);
    } catch (error) {
      this.spool.dropped++;
      this.report(new Error(`spool write to ${this.spool.dir} failed, event dropped: ${(error as Error).message}`, { cause: error }));
    }
  }
}
