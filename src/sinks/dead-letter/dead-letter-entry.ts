import { DEAD_LETTER_HEADERS } from './dead-letter-publisher.js';
import type { BodyPrivacy } from '../../transforms/privacy/dead-letter-body.js';

/** One message of the dead-letter stream, with what its headers say about the original. */
export interface DeadLetter {
  /** Sequence in the dead-letter stream. */
  seq: number;
  /** When it was dead-lettered. */
  time: Date;
  /** Its subject in the dead-letter stream: <dlq prefix>.<kind>. */
  subject: string;
  kind: string;
  reason: string;
  detail: string;
  /** The subject the original was stored under: <prefix>.<kind>.<partition>.<key>. */
  originalSubject: string;
  originalStream: string;
  originalSequence: number | undefined;
  originalTime: string;
  headers: Array<[name: string, value: string]>;
  data: Uint8Array;
}

/** What a dlq command applies to; every field narrows, none given means every dead letter. */
export interface DeadLetterFilter {
  kind?: string;
  reason?: string;
  /** Dead-lettered at or after this time (epoch ms). */
  sinceMs?: number;
  limit?: number;
}

export interface RawDeadLetter {
  seq: number;
  subject: string;
  time: Date;
  headers: Array<[string, string]>;
  data: Uint8Array;
}

export function deadLetterFrom(raw: RawDeadLetter): DeadLetter {
  const header = (name: string) => raw.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] ?? '';
  const sequence = Number(header(DEAD_LETTER_HEADERS.sequence));
  return {
    seq: raw.seq,
    time: raw.time,
    subject: raw.subject,
    kind: raw.subject.slice(raw.subject.indexOf('.') + 1),
    reason: header(DEAD_LETTER_HEADERS.reason),
    detail: header(DEAD_LETTER_HEADERS.detail),
    originalSubject: header(DEAD_LETTER_HEADERS.subject),
    originalStream: header(DEAD_LETTER_HEADERS.stream),
    originalSequence: header(DEAD_LETTER_HEADERS.sequence) && Number.isInteger(sequence) ? sequence : undefined,
    originalTime: header(DEAD_LETTER_HEADERS.time),
    headers: raw.headers,
    data: raw.data,
  };
}

/** The filter conditions the server cannot apply (kind and time are applied by the consumer). */
export function matchesFilter(entry: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.kind !== undefined && entry.kind !== filter.kind) return false;
  if (filter.reason !== undefined && entry.reason !== filter.reason) return false;
  if (filter.sinceMs !== undefined && entry.time.getTime() < filter.sinceMs) return false;
  return true;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO date-time, or a duration back from now such as 30m, 6h, 2d. Undefined when unreadable. */
export function parseSince(text: string, nowMs: number): number | undefined {
  const relative = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (relative) return nowMs - Number(relative[1]) * UNITS[relative[2]!]!;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A dead letter as it may be shown: one filed before PRIVACY applied to dead letters (no
 * Sift-Privacy header) gets the rules now, to its body and its detail.
 */
export function shownDeadLetter(entry: DeadLetter, privacy: BodyPrivacy): DeadLetter {
  if (entry.headers.some(([k]) => k.toLowerCase() === DEAD_LETTER_HEADERS.privacy.toLowerCase())) return entry;
  const detail = privacy.detail(entry.kind, entry.detail);
  const headers = entry.headers.map(([k, v]): [string, string] => [
    k,
    k.toLowerCase() === DEAD_LETTER_HEADERS.detail.toLowerCase() ? privacy.detail(entry.kind, v) : v,
  ]);
  return { ...entry, detail, headers, data: privacy.body(entry.kind, entry.data).data };
}

const DETAIL_WIDTH = 60;

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** A plain-text table: sequence, time, kind, reason, detail, original subject. */
export function formatDeadLetterTable(entries: DeadLetter[]): string {
  const header = ['SEQ', 'TIME', 'KIND', 'REASON', 'DETAIL', 'ORIGINAL SUBJECT'];
  const rows = entries.map((e) => [
    String(e.seq),
    e.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    e.kind,
    e.reason,
    clip(e.detail, DETAIL_WIDTH),
    e.originalSubject,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** `sift dlq show`: every header, then the body as text. */
export function formatDeadLetter(entry: DeadLetter): string {
  const lines = [`sequence: ${entry.seq}`, `time: ${entry.time.toISOString()}`, `kind: ${entry.kind}`];
  for (const [name, value] of entry.headers) lines.push(`${name}: ${value}`);
  lines.push('', Buffer.from(entry.data).toString('utf8'));
  return lines.join('\n');
}

/** Counts by reason, largest first. */
export function countByReason(entries: Iterable<Pick<DeadLetter, 'reason'>>): Array<[reason: string, count: number]> {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.reason || '(none)', (counts.get(e.reason || '(none)') ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
