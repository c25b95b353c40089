import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Answer } from './query-deps.js';

/** An answer ready to send: serialized once, with its entity tag. */
export interface CachedAnswer {
  status: number;
  json: string;
  etag: string;
}

export interface AnswerCacheOptions {
  /** How long an answer is served without asking ClickHouse again; 0 turns the cache (and single-flight) off. */
  ttlMs: number;
  /** Distinct route+parameter answers kept at most (free-text parameters make the key space open). */
  maxEntries?: number;
  now?: () => number;
}

export function cachedAnswer(answer: Answer): CachedAnswer {
  const json = JSON.stringify(answer.body);
  // A strong tag over the exact bytes sent: a dashboard polling with If-None-Match gets 304 until they change.
  return { status: answer.status ?? 200, json, etag: `"${createHash('sha1').update(json).digest('base64url')}"` };
}

/**
 * Answers per route and parameters, kept `ttlMs`: a wall of dashboards polling every few seconds
 * costs ClickHouse one query per key and interval. Concurrent asks for a key not yet cached share
 * one computation (single-flight); a failed computation is not kept.
 */
export class AnswerCache {
  private readonly entries: LRUCache<string, CachedAnswer, () => Promise<Answer>> | undefined;

  constructor(options: AnswerCacheOptions) {
    if (options.ttlMs <= 0) return;
    const now = options.now;
    this.entries = new LRUCache<string, CachedAnswer, () => Promise<Answer>>({
      max: options.maxEntries ?? 1_000,
      ttl: options.ttlMs,
      ...(now ? { perf: { now } } : {}),
      // Read the clock on every check (the default reuses one reading for 1 ms of real time).
      ttlResolution: 0,
      fetchMethod: async (_key, _stale, { context }) => cachedAnswer(await context()),
    });
  }

  async get(key: string, compute: () => Promise<Answer>): Promise<CachedAnswer> {
    if (!this.entries) return cachedAnswer(await compute());
    const entry = await this.entries.fetch(key, { context: compute });
    // fetch() resolves undefined only when the fetch was aborted, which nothing here does.
    return entry ?? cachedAnswer(await compute());
  }
}
