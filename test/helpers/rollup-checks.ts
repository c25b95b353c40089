import { jetstreamManager } from '@nats-io/jetstream';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';
import type { SiftTestEnv } from './sift-env.js';

const HOUR_MS = 3_600_000;

/** Start of the UTC hour holding `ms`, as ClickHouse's DateTime text ('2026-11-23 19:00:00'). */
export const hourBucket = (ms: number): string => new Date(ms - (ms % HOUR_MS)).toISOString().slice(0, 19).replace('T', ' ');
/** UTC day holding `ms`, as ClickHouse's Date text. */
export const dayBucket = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const startOfHour = (ms: number): number => ms - (ms % HOUR_MS);

/** Every message of the dead-letter stream, by the original message's stream sequence. */
export async function deadLetters(t: SiftTestEnv): Promise<Map<number, { reason: string; detail: string }>> {
  const jsm = await jetstreamManager(t.nc);
  const info = await jsm.streams.info(t.config.nats.dlqStream);
  const got = new Map<number, { reason: string; detail: string }>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
    got.set(Number(msg.header!.get(DEAD_LETTER_HEADERS.sequence)), {
      reason: msg.header!.get(DEAD_LETTER_HEADERS.reason),
      detail: msg.header!.get(DEAD_LETTER_HEADERS.detail),
    });
  }
  return got;
}

/**
 * Whether an approximate q-quantile of `values` is acceptable: between the exact values at ranks
 * (q - rankTolerance) and (q + rankTolerance) of the sorted values (a t-digest errs in rank, not in
 * value), with a relative slack for its Float32 centroids.
 */
export function withinQuantile(values: readonly number[], q: number, got: number, rankTolerance = 0.05): boolean {
  const sorted = [...values].sort((a, b) => a - b);
  const last = sorted.length - 1;
  const low = sorted[Math.max(0, Math.floor((q - rankTolerance) * last))]!;
  const high = sorted[Math.min(last, Math.ceil((q + rankTolerance) * last))]!;
  const slack = 1e-6 * Math.max(Math.abs(low), Math.abs(high), 1);
  return got >= low - slack && got <= high + slack;
}

/** The exact q-quantile by linear interpolation between closest ranks (ClickHouse's quantileExactInclusive). */
export function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  return sorted[below]! + (sorted[Math.min(below + 1, sorted.length - 1)]! - sorted[below]!) * (at - below);
}

/** Groups items by a key, in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export const closeTo = (a: number, b: number, relative = 1e-9): boolean =>
  Math.abs(a - b) <= relative * Math.max(Math.abs(a), Math.abs(b), 1);
