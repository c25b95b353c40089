import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { DeadLetterPublisher } from '../sinks/dead-letter/dead-letter-publisher.js';
import { isUnpartitioned, unpartitionedFilter, unpartitionedScanFilter, type SubjectLayout } from '../sources/jetstream/subjects.js';
import type { PipelineStats } from '../telemetry/pipeline-stats.js';
import type { Logger } from '../telemetry/logger.js';

/** Where the sweep has looked up to, kept across restarts so a message is dead-lettered once. */
export interface SweepCursor {
  read(): Promise<{ seq: number; revision: number }>;
  /** Moves the cursor on, unless another worker moved it since `revision` (then it did this work). */
  advance(seq: number, revision: number): Promise<void>;
}

/** The cursor as one key of a KV bucket (the batch journal's), written only over the revision read. */
export function kvSweepCursor(kv: KV, key: string): SweepCursor {
  return {
    async read() {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') return { seq: 0, revision: entry?.revision ?? 0 };
      return { seq: Number(entry.string()) || 0, revision: entry.revision };
    },
    async advance(seq, revision) {
      try {
        if (revision === 0) await kv.create(key, String(seq));
        else await kv.update(key, String(seq), revision);
      } catch (error) {
        if (!/wrong last sequence|key exists/i.test((error as Error).message)) throw error;
      }
    },
  };
}

export interface UnpartitionedSweepOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  layout: Pick<SubjectLayout, 'prefix'>;
  cursor: SweepCursor;
  deadLetters: DeadLetterPublisher;
  stats: PipelineStats;
  /** The kind as a metric label ("unknown" for anything Sift does not know). */
  kindLabel(kind: string): string;
  log: Logger;
}

const KIND_TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Dead-letters what the stream accepted but could not partition: a publish subject holding a
 * literal wildcard token (telemetry.metrics.*, telemetry.metrics.>) is stored untransformed, with
 * three tokens, and no partition consumer reads it. The stream's subject list finds them cheaply;
 * only then does the sweep read the stream from its cursor (headers only), dead-letter each one as
 * bad_subject naming the subject, and move the cursor to the stream's end.
 */
export class UnpartitionedSweep {
  private running: Promise<number> | undefined;

  constructor(private readonly o: UnpartitionedSweepOptions) {}

  /** One sweep to the stream's current end; a sweep under way is joined. Resolves to how many were dead-lettered. */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const { jsm, stream, layout, cursor } = this.o;
    const info = await jsm.streams.info(stream, { subjects_filter: unpartitionedFilter(layout) });
    const last = info.state.last_seq;
    const at = await cursor.read();
    if (at.seq >= last) return 0;
    const subjects = Object.keys(info.state.subjects ?? {});
    if (subjects.length === 0) {
      await cursor.advance(last, at.revision);
      return 0;
    }
    const found = await this.find(unpartitionedScanFilter(layout, subjects), Math.max(at.seq + 1, info.state.first_seq), last);
    for (const seq of found) await this.deadLetter(seq);
    await cursor.advance(last, at.revision);
    if (found.length > 0) this.o.log.warn({ deadLettered: found.length, subjects: subjects.slice(0, 5) }, 'dead-lettered messages stored without a partition (a literal wildcard in the subject)');
    return found.length;
  }

  /** Sequences of unpartitioned messages from `first` to `last`, read headers only. */
  private async find(filter: string, first: number, last: number): Promise<number[]> {
    const consumer = await this.o.js.consumers.get(this.o.stream, { filter_subjects: [filter], deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: first, headers_only: true });
    const found: number[] = [];
    try {
      for (;;) {
        let fetched = 0;
        let done = false;
        for await (const m of await consumer.fetch({ max_messages: 1_000, expires: 1_000 })) {
          fetched++;
          if (m.seq > last) done = true;
          else if (isUnpartitioned(m.subject)) found.push(m.seq);
          if (m.seq >= last || m.info.pending === 0) done = true;
          if (done) break;
        }
        if (done || fetched === 0) return found;
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
  }

  private async deadLetter(seq: number): Promise<void> {
    const stored = await this.o.jsm.streams.getMessage(this.o.stream, { seq }).catch(() => null);
    if (!stored) return; // aged out meanwhile
    const kind = stored.subject.split('.')[1]!;
    const source = { subject: stored.subject, seq, data: stored.data, timestampMs: stored.time.getTime(), msgId: stored.header?.get('Nats-Msg-Id') || undefined };
    const detail = `subject ${JSON.stringify(stored.subject)} holds a wildcard token ("*" or ">"), so the stream gave it no partition and no partition consumer reads it`;
    if (!(await this.o.deadLetters.publish(KIND_TOKEN.test(kind) ? kind : '_invalid', source, 'bad_subject', detail))) return;
    this.o.stats.deadLetteredAlone(this.o.kindLabel(kind), 'bad_subject');
  }
}
