/** What to do with a batch after the gateway's answer (status 0: no answer at all). */
export type Verdict = 'done' | 'retry' | 'drop';

/**
 * Accepted (2xx: refused events are listed, not retried), worth another try (no answer, 408, 429,
 * 5xx: the gateway stored nothing), or never going to succeed as sent (any other 4xx).
 */
export function verdictOf(status: number): Verdict {
  if (status >= 200 && status < 300) return 'done';
  if (status === 0 || status === 408 || status === 429 || status >= 500) return 'retry';
  return 'drop';
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from now; 0 when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

/**
 * Wait before retry number `attempt` (1, 2, …): doubling from `initialMs` up to `maxMs`, jittered
 * in its upper half so many pages coming back online do not retry in step, never before Retry-After.
 */
export function retryDelay(attempt: number, initialMs: number, maxMs: number, retryAfter = 0, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.max(retryAfter, Math.round(ceiling * (0.5 + random() / 2)));
}
