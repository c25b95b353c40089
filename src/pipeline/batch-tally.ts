const keys = new Map<string, Map<string, string>>();
/** The tally key of kind and reason, interned: the hot path counts without building strings. */
function key(kind: string, reason: string): string {
  let byReason = keys.get(kind);
  if (!byReason) {
    if (keys.size > 1_000) keys.clear(); // kinds come from subjects: bound the cache
    keys.set(kind, (byReason = new Map()));
  }
  let k = byReason.get(reason);
  if (k === undefined) byReason.set(reason, (k = `${kind}\u0000${reason}`));
  return k;
}
export const splitTallyKey = (k: string) => k.split('\u0000') as [kind: string, reason: string];
const add = (map: Map<string, number>, k: string, n: number) => map.set(k, (map.get(k) ?? 0) + n);

/**
 * What one batch's messages came to, by kind and reason. Outcomes are counted when the batch is
 * acked, so a scrape always finds received = stored + dropped + dead-lettered + in flight.
 */
export class BatchTally {
  readonly storedMessages = new Map<string, number>();
  readonly storedRows = new Map<string, number>();
  readonly dropped = new Map<string, number>();
  readonly deadLettered = new Map<string, number>();
  /** Newest event time in the batch, epoch ms, for the end-to-end lag. */
  newestEventMs = 0;

  stored(kind: string, reason: string): void {
    add(this.storedMessages, key(kind, reason), 1);
  }

  rows(kind: string, reason: string, rows: number): void {
    add(this.storedRows, key(kind, reason), rows);
  }

  drop(kind: string, reason: string): void {
    add(this.dropped, key(kind, reason), 1);
  }

  eventTime(ms: number): void {
    if (ms > this.newestEventMs) this.newestEventMs = ms;
  }

  deadLetter(kind: string, reason: string): void {
    add(this.deadLettered, key(kind, reason), 1);
  }

  /** ClickHouse rejected this message's rows: it is dead-lettered as insert_rejected instead of counting as `was`. */
  rejectMessage(kind: string, was: { type: string; reason: string }): void {
    const map = was.type === 'ok' ? this.storedMessages : was.type === 'drop' ? this.dropped : undefined;
    if (map) subtract(map, key(kind, was.reason), 1);
    add(this.deadLettered, key(kind, 'insert_rejected'), 1);
  }

  /** Rows counted as stored that ClickHouse rejected. */
  unstoreRows(kind: string, reason: string, rows: number): void {
    subtract(this.storedRows, key(kind, reason), rows);
  }
}

function subtract(map: Map<string, number>, k: string, n: number): void {
  const left = (map.get(k) ?? 0) - n;
  if (left > 0) map.set(k, left);
  else map.delete(k);
}
