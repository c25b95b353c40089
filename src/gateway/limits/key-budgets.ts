/** One key's bucket: tokens (events) left, and when it was last filled. */
interface Bucket {
  tokens: number;
  at: number;
  rate: number;
}

export type BudgetVerdict = { ok: true } | { ok: false; retryAfterS: number };

/**
 * Per-key token buckets of events per second, held by one gateway: a key with rate R may send R
 * events a second through each gateway, in bursts of up to one second's worth. A request larger
 * than a whole burst passes when the bucket is full and leaves it in debt, so the average still
 * holds. The clock is passed in; a bucket is dropped once full again, so memory follows the busy keys.
 */
export class KeyBudgets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  take(name: string, rate: number, events: number): BudgetVerdict {
    if (rate <= 0) return { ok: true };
    const now = this.now();
    const bucket = this.buckets.get(name) ?? { tokens: rate, at: now, rate };
    bucket.rate = rate;
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    const needed = Math.min(events, rate);
    if (bucket.tokens < needed) {
      this.buckets.set(name, bucket);
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((needed - bucket.tokens) / rate)) };
    }
    bucket.tokens -= events;
    this.buckets.set(name, bucket);
    this.evictFull(now);
    return { ok: true };
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Buckets that have refilled completely hold nothing worth keeping. */
  private evictFull(now: number): void {
    if (this.buckets.size < 1_024) return;
    for (const [name, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * bucket.rate >= bucket.rate) this.buckets.delete(name);
    }
  }
}
