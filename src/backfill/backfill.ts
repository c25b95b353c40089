import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { SiftConfig } from '../config/load.js';
import { BatchPolicy } from '../batch/batch-policy.js';
import type { KindHandler } from '../kinds/kind.js';
import { kinds } from '../kinds/registry.js';
import { PartitionBatch } from '../pipeline/partition-batch.js';
import { ResultEffects } from '../pipeline/result-effects.js';
import { Router, type RoutedMessage } from '../pipeline/router.js';
import { createClickHouse, EmbeddedClickHouseError, type ClickHouseClient } from '../sinks/clickhouse/client.js';
import { prepareClickHouse } from '../sinks/clickhouse/prepare.js';
import { ClickHouseWriter } from '../sinks/clickhouse/writer.js';
import { DeadLetterPublisher } from '../sinks/dead-letter/dead-letter-publisher.js';
import { bodyPrivacy } from '../transforms/privacy/dead-letter-body.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { parseStoredSubject } from '../contract/stored-subject.js';
import type { Logger } from '../telemetry/logger.js';
import { rowsInRange } from './overlap.js';
import { resolveRange, type RangeBound, type SeqRange } from './range.js';

/** The backfill would store a range the target database already holds (rollups would count it twice). */
export class BackfillRefusedError extends Error {
  override name = 'BackfillRefusedError';
}

/** The backfill stopped before the end of its range. */
export class BackfillError extends Error {
  override name = 'BackfillError';
}

export interface BackfillOptions {
  from: RangeBound;
  until?: RangeBound;
  /** Kinds to re-read; every kind (and whatever else the stream holds, dead-lettered as live) when undefined. */
  kinds?: string[];
  /** Store even when the target already holds rows of the range. */
  force: boolean;
  signal?: AbortSignal;
  /** Called with the range once resolved, then with the sequence reached after each message. */
  onRange?(range: SeqRange): void;
  onProgress?(seq: number): void;
}

export interface BackfillSummary {
  range: SeqRange | undefined;
  received: number;
  storedMessages: number;
  storedRows: number;
  filteredOut: number;
  deadLettered: Record<string, number>;
  batches: number;
  seconds: number;
}

/** A backfill batch's deduplication token: the same range gives the same token, so a re-run is dropped by ClickHouse. */
export const backfillToken = (stream: string, first: number, last: number): string => `backfill:${stream}:${first}-${last}`;

/** Subjects a backfill reads: one filter per selected kind, or the whole stream. */
export const backfillSubjects = (prefix: string, selected: string[] | undefined): string[] =>
  selected ? selected.map((kind) => `${prefix}.${kind}.*.*`) : [`${prefix}.>`];

/** Raw tables of the selected kinds (every raw table has `stream_seq`). */
const rawTables = (selected: string[] | undefined): string[] =>
  kinds
    .filter((k) => !selected || selected.includes(k.name))
    .flatMap((k) => k.retainedTables.filter((t) => t.retention === 'raw').map((t) => t.table));

/** Opens ClickHouse for a backfill, saying what to do when a worker holds the embedded directory. */
async function openClickHouse(config: SiftConfig): Promise<ClickHouseClient> {
  try {
    return await createClickHouse(config.clickhouse);
  } catch (error) {
    if (!(error instanceof EmbeddedClickHouseError)) throw error;
    throw new EmbeddedClickHouseError(
      `cannot open the embedded ClickHouse at ${config.clickhouse.embeddedPath} for the backfill: the engine binds one directory per process, so stop the worker that holds it, or backfill into another CLICKHOUSE_EMBEDDED_PATH (or set CLICKHOUSE_URL to a server)`,
      { cause: error },
    );
  }
}

/**
 * Re-reads a range of the stream through the worker's pipeline (router, kind handlers, batches,
 * the ClickHouse writer, dead letters) with an ephemeral ordered consumer: nothing is acked, so
 * the live consumers see nothing of it. Batches are cut by size only, so the same range cuts the
 * same batches and a repeat carries the same tokens.
 */
export async function runBackfill(config: SiftConfig, logger: Logger, options: BackfillOptions): Promise<BackfillSummary> {
  const started = performance.now();
  const { nats } = config;
  const summary: BackfillSummary = {
    range: undefined,
    received: 0,
    storedMessages: 0,
    storedRows: 0,
    filteredOut: 0,
    deadLettered: {},
    batches: 0,
    seconds: 0,
  };
  const subjects = backfillSubjects(nats.subjectPrefix, options.kinds);
  const nc = await connectNats(nats, 'sift-backfill');
  let clickhouse: ClickHouseClient | undefined;
  try {
    const jsm = await jetstreamManager(nc);
    const range = await resolveRange(jsm, nats.stream, `${nats.subjectPrefix}.>`, options.from, options.until);
    summary.range = range;
    if (!range) return summary;
    options.onRange?.(range);
    clickhouse = await openClickHouse(config);
    await prepareClickHouse(clickhouse, config.clickhouse, logger);
    const database = config.clickhouse.database;
    const overlap = await rowsInRange(clickhouse, database, rawTables(options.kinds), range);
    if (overlap.length > 0 && !options.force) {
      const where = overlap.map((o) => `${o.table} (${o.rows} rows)`).join(', ');
      throw new BackfillRefusedError(
        `database ${database} already holds rows of sequences ${range.first}-${range.last} in ${where}: a backfill would count them twice in the rollups; backfill into another CLICKHOUSE_DATABASE, or pass --force`,
      );
    }
    const js = jetstream(nc);
    const writer = new ClickHouseWriter(clickhouse, database, config.clickhouse.retry, logger, {}, config.clickhouse.cluster);
    const privacy = bodyPrivacy(config.privacy.rules, config.privacy.salt);
    const deadLetters = new DeadLetterPublisher(
      js,
      nats.stream,
      nats.dlqSubjectPrefix,
      logger,
      options.signal,
      nc.info?.max_payload,
      privacy,
    );
    // The summary counts dead letters by the kind as published, so the label is the kind itself.
    const effects = new ResultEffects({
      deadLetters,
      kindLabel: (kind) => kind ?? 'unknown',
      log: logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const pipeline = new BackfillPipeline(config, effects);
    const commit = async (batch: PartitionBatch) => {
      if ((await Promise.all(batch.deadLetters)).includes(false))
        throw new BackfillError(
          `stopped while dead-lettering sequences ${batch.firstSeq}-${batch.lastSeq}; nothing from ${batch.firstSeq} on was stored`,
        );
      const tables = batch.insertTables();
      if (tables.length > 0) {
        const outcome = await writer.insert({ token: backfillToken(nats.stream, batch.firstSeq, batch.lastSeq), tables }, options.signal);
        if (!outcome.ok) {
          const why = outcome.reason === 'rejected' ? `ClickHouse rejected it: ${outcome.message}` : 'stopped';
          throw new BackfillError(
            `backfill of sequences ${batch.firstSeq}-${batch.lastSeq} failed (${why}); sequences before ${batch.firstSeq} are stored, re-run with --from ${batch.firstSeq} --force`,
          );
        }
      }
      summary.batches++;
      summary.storedRows += batch.rows;
      for (const result of batch.handledResults) {
        if (result.type === 'ok') summary.storedMessages++;
        else if (result.type === 'drop') summary.filteredOut++;
      }
      for (const [k, n] of batch.tally.deadLettered) {
        const reason = k.split('\u0000')[1]!;
        summary.deadLettered[reason] = (summary.deadLettered[reason] ?? 0) + n;
      }
    };

    const consumer = await js.consumers.get(nats.stream, {
      filter_subjects: subjects,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: range.first,
    });
    const policy = new BatchPolicy(config.batch);
    let batch = new PartitionBatch();
    try {
      for (let done = false; !done; ) {
        if (options.signal?.aborted)
          throw new BackfillError(`stopped at sequence ${batch.firstSeq || range.first}; sequences before it are stored`);
        let fetched = 0;
        const messages = await consumer.fetch({ max_messages: 1_000, expires: 5_000 });
        for await (const msg of messages) {
          fetched++;
          if (msg.seq > range.last) {
            done = true;
            break;
          }
          summary.received++;
          pipeline.take(msg, batch);
          options.onProgress?.(msg.seq);
          if (policy.isFull(batch)) {
            await commit(batch);
            batch = new PartitionBatch();
          }
          if (msg.seq === range.last || msg.info.pending === 0) {
            done = true;
            break;
          }
        }
        // The range is in the stream already: a fetch that brings nothing means nothing more matches.
        if (fetched === 0) done = true;
        if (done) messages.stop();
      }
      if (!batch.isEmpty) await commit(batch);
    } finally {
      await consumer.delete().catch(() => undefined);
    }
    options.onProgress?.(range.last);
    return summary;
  } finally {
    summary.seconds = (performance.now() - started) / 1000;
    await clickhouse?.close().catch(() => undefined);
    await nc.close().catch(() => undefined);
  }
}

/** Routes each message to its partition's kind handlers (made on first use), as a partition pipeline does. */
class BackfillPipeline {
  private readonly routers = new Map<number, Router>();

  constructor(
    private readonly config: SiftConfig,
    private readonly effects: ResultEffects,
  ) {}

  take(msg: JsMsg, batch: PartitionBatch): void {
    batch.track({ ackAck: () => Promise.resolve(true) }, msg.seq, msg.data.length);
    const parsed = parseStoredSubject(msg.subject);
    const message: RoutedMessage = {
      subject: msg.subject,
      kind: parsed?.kind,
      key: parsed?.key,
      data: msg.data,
      seq: msg.seq,
      arrivalMs: () => Math.floor(msg.info.timestampNanos / 1_000_000),
      msgId: () => msg.headers?.get('Nats-Msg-Id') || undefined,
    };
    this.router(parsed?.partition ?? 0).route(message, batch);
  }

  private router(partition: number): Router {
    let router = this.routers.get(partition);
    if (!router) {
      // A fresh handler set per partition: the filter starts each device afresh, as after a takeover.
      const context = { partition, stateEvicted: () => undefined };
      const handlers = new Map<string, KindHandler>(kinds.map((kind) => [kind.name, kind.createHandler(this.config, context)]));
      this.routers.set(partition, (router = new Router(handlers, this.config.nats.maxMsgBytes, this.effects)));
    }
    return router;
  }
}
