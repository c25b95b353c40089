import type { TSchema } from '@sinclair/typebox';
import type { ConfigValues } from '../util/config-values.js';
import type { eventTimeConfig } from '../contract/config.js';
import type { privacyConfig } from '../transforms/privacy/config.js';
import type { FilterConfig } from '../transforms/device-filter/config.js';
import type { errorStormConfig } from '../transforms/error-storm/config.js';
import type { stateConfig } from './state/config.js';
import type { BatchOutput } from '../pipeline/batch-output.js';
import type { Decoded, MessageResult } from '../pipeline/result.js';
import type { EventTimeWindow } from '../contract/event-time.js';

/** A message of one kind as the router hands it over. */
export interface IncomingMessage {
  /** The subject's key token (device, service, app, …): the partition key. */
  key: string;
  data: Uint8Array;
  seq: number;
  /** JetStream arrival time in epoch ms, computed only when asked (it parses the reply subject). */
  arrivalMs(): number;
}

/**
 * One kind's handling for one partition: decodes a message, writes its rows, and says what it
 * came to. Holds the kind's keyed state for that partition, so `reset` forgets it when the
 * partition changes hands.
 */
export interface KindHandler {
  accept(message: IncomingMessage, out: BatchOutput): MessageResult;
  /**
   * Adds only the message's share of the batch's accumulators, touching no state: used to rebuild
   * a part of a batch that ClickHouse rejected (its rows are kept, its accumulators are not).
   */
  rollup(message: IncomingMessage, out: BatchOutput): void;
  reset(): void;
  /** Rebuilds the keyed state of this partition from the rows already stored; returns how many keys. */
  restore?(stored: StoredState): Promise<number>;
  /** Keys currently held in memory (e.g. device-metrics tracked by the filter). */
  readonly trackedKeys: number;
}

/** Where a handler runs, and what it may report beyond its results. */
export interface KindContext {
  /** The partition whose messages this handler sees. */
  partition: number;
  /** Keyed state was evicted (`cause`: idle or cap), e.g. device-metrics the filter stopped tracking. */
  stateEvicted(kind: string, cause: string, keys: number): void;
}

/** Reads what is stored, for a handler rebuilding its keyed state (FILTER_RESTORE_STATE). */
export interface StoredState {
  /** Runs a query; `{db}` in it names Sift's database. */
  query<T>(sql: string, params: Record<string, unknown>): Promise<T[]>;
}

/** One synthetic event: the subject's key token and the JSON body. */
export interface SimulatedEvent {
  key: string;
  body: Record<string, unknown>;
}

export interface SimulatorOptions {
  seed: number;
  /** Event time of the first event, epoch ms; later events move forward from it. */
  startMs: number;
  /** How many distinct keys (devices, services, apps, instances) to spread events over. */
  keys: number;
}

/** Realistic synthetic events of one kind, for `sift simulate`, `sift demo` and the benchmarks. */
export interface KindSimulator {
  next(): SimulatedEvent;
}

/** The configuration sections kinds read: a slice of the whole, so kinds need no import of config/. */
export interface KindConfig {
  nats: { partitions: number };
  eventTime: ConfigValues<typeof eventTimeConfig>;
  privacy: ConfigValues<typeof privacyConfig>;
  filter: FilterConfig;
  stateFilter: ConfigValues<typeof stateConfig.stateFilter>;
  errorStorm: ConfigValues<typeof errorStormConfig>;
}

/** A table whose rows age out, and the column its TTL counts from. */
export interface RetainedTable {
  table: string;
  column: string;
  /** `raw` tables follow RETENTION_DAYS, `rollup` tables ROLLUP_RETENTION_DAYS. */
  retention: 'raw' | 'rollup';
}

/**
 * Everything Sift knows of one event kind, in one folder under src/kinds/<name>/: the published
 * schema, the migrations (src/kinds/<name>/migrations/*.sql), the tables that age out, the reasons
 * its outcomes are counted by, and the handler. Listed once, in registry.ts.
 */
export interface KindModule {
  /** The subject's kind token: <prefix>.<name>.<key>. */
  readonly name: string;
  /** The body's JSON Schema (TypeBox), published as schemas/<schemaFile>. */
  readonly schema: TSchema;
  readonly schemaFile: string;
  readonly retainedTables: readonly RetainedTable[];
  /** Reasons a stored message is counted by (`ok(reason)`). */
  readonly storeReasons: readonly string[];
  /** Reasons that label rows but never a message (metrics: `previous`, a row written for an earlier, unstored message). */
  readonly rowOnlyReasons?: readonly string[];
  /** Reasons a deliberately unstored message is counted by (`drop(reason)`). */
  readonly dropReasons: readonly string[];
  /** Body fields PRIVACY may drop or hash (each handler applies fieldPrivacy to them). */
  readonly privacyFields?: readonly string[];
  /** Dead-letter reasons of its own, beyond the common ones. */
  readonly deadLetterReasons: readonly string[];
  /**
   * The kind's contract check: one message body under a subject key to its decoded event, or the
   * dead-letter reason. The same function its handler runs, so the gateway judges an event exactly
   * as the worker will.
   */
  decode(data: Uint8Array, key: string, arrivalMs: number, window: EventTimeWindow): Decoded<unknown>;
  createHandler(config: KindConfig, context: KindContext): KindHandler;
  /** Synthetic events of this kind (deterministic for a seed). */
  simulator?(options: SimulatorOptions): KindSimulator;
}
