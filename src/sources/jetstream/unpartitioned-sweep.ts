import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from '../../telemetry/logger.js';
import type { StoredMessage } from './read-back.js';
import { isUnpartitioned, unpartitionedFilter, unpartitionedScanFilter, type SubjectLayout } from './subjects.js';

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
      if (entry?.operation !== 'PUT') return { seq: 0, revision: entry?.revision ?? 0 };
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
  /** Where each message found goes: dead-lettered as bad_subject and counted; true once stored. */
  sink: UnpartitionedSink;
  log: Logger;
}

/** What the sweep hands each message it finds to (the worker's result effects). */
export interface UnpartitionedSink {
  deadLetterAlone(kind: string, source: StoredMessage, reason: 'bad_subject', detail: string): Promise<boolean>;
}

const KIND_TOKEN = /^[A-Za-z0-9_-]+$/;
/** Sequences of ">" subjects remembered at most; past it every sweep reads the whole prefix. */
const MAX_REMEMBERED = 100_000;

const hasFullWildcard = (subject: string): boolean => subject.split('.').includes('>');

/**
 * Dead-letters what the stream accepted but could not partition: a publish subject holding a
 * literal wildcard token (telemetry.metrics.*, telemetry.metrics.>) is stored untransformed, with
 * three tokens, and no partition consumer reads it. The stream's subject list finds them cheaply;
 * only then does the sweep read the stream from its cursor (headers only), dead-letter each one as
 * bad_subject naming the subject, and move the cursor to the stream's end.
 *
 * A stored ">" token reaches only a consumer whose filter covers the whole prefix, so those are
 * found by reading every subject; to do that only when one is new, the sweep remembers the
 * sequences of the ones it has seen and compares with the subject list's counts.
 */
export class UnpartitionedSweep {
  private running: Promise<number> | undefined;
  /** Sequences seen per ">" subject; undefined until learned (after a start, from the stream). */
  private seen: Map<string, number[]> | undefined;
  private remembered = 0;

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
    const counts = info.state.subjects ?? {};
    const first = info.state.first_seq;
    const wide = subjects.filter(hasFullWildcard);
    // After a start, learn which ">" messages are behind the cursor (already dead-lettered).
    if (wide.length > 0 && !this.seen) {
      this.seen = new Map();
      if (at.seq >= first)
        for (const m of await this.find(`${layout.prefix}.>`, first, at.seq))
          if (hasFullWildcard(m.subject)) this.remember(m.subject, m.seq);
    }
    const newWide =
      wide.some((s) => counts[s]! > (this.seen?.get(s)?.filter((seq) => seq >= first).length ?? 0)) || this.remembered > MAX_REMEMBERED;
    const filter = newWide ? unpartitionedScanFilter(layout, subjects) : unpartitionedFilter(layout);
    const found = await this.find(filter, Math.max(at.seq + 1, first), last);
    for (const { seq, subject } of found) {
      await this.deadLetter(seq);
      if (hasFullWildcard(subject)) this.remember(subject, seq);
    }
    await cursor.advance(last, at.revision);
    if (found.length > 0)
      this.o.log.warn(
        { deadLettered: found.length, subjects: subjects.slice(0, 5) },
        'dead-lettered messages stored without a partition (a literal wildcard in the subject)',
      );
    return found.length;
  }

  private remember(subject: string, seq: number): void {
    if (this.remembered > MAX_REMEMBERED) return;
    this.seen ??= new Map();
    const seqs = this.seen.get(subject) ?? [];
    seqs.push(seq);
    this.seen.set(subject, seqs);
    this.remembered++;
  }

  /** Unpartitioned messages from `first` to `last`, read headers only. */
  private async find(filter: string, first: number, last: number): Promise<Array<{ seq: number; subject: string }>> {
    const consumer = await this.o.js.consumers.get(this.o.stream, {
      filter_subjects: [filter],
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: first,
      headers_only: true,
    });
    const found: Array<{ seq: number; subject: string }> = [];
    try {
      for (;;) {
        let fetched = 0;
        let done = false;
        for await (const m of await consumer.fetch({ max_messages: 1_000, expires: 1_000 })) {
          fetched++;
          if (m.seq > last) done = true;
          else if (isUnpartitioned(m.subject)) found.push({ seq: m.seq, subject: m.subject });
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
    const source = {
      subject: stored.subject,
      seq,
      data: stored.data,
      timestampMs: stored.time.getTime(),
      msgId: stored.header?.get('Nats-Msg-Id') || undefined,
    };
    const detail = `subject ${JSON.stringify(stored.subject)} holds a wildcard token ("*" or ">"), so the stream gave it no partition and no partition consumer reads it`;
    await this.o.sink.deadLetterAlone(KIND_TOKEN.test(kind) ? kind : '_invalid', source, 'bad_subject', detail);
  }
}
