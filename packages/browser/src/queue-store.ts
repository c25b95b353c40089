import type { SiftEvent } from './events.js';

/** The part of the Web Storage API the queue uses (localStorage, or a stand-in in tests). */
export interface KeyValueStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Events sent together under one id: a retry repeats both, so the gateway stores them once (Idempotency-Key). */
export interface Batch {
  id: string;
  events: SiftEvent[];
}

/** What one page keeps: when it last wrote, whether it has gone, queued events, batches formed and not yet acknowledged. */
interface Held {
  t: number;
  closed?: boolean;
  q: SiftEvent[];
  b: Batch[];
}

export interface QueueSettings {
  /** Storage key prefix of this app's pages, e.g. `sift.shop-web.`; each page keeps its own key under it. */
  prefix: string;
  pageId: string;
  /** Most events held, queued and in batches; the oldest queued are dropped beyond it. */
  maxEvents: number;
  now: () => number;
  newId: () => string;
}

const utf8 = new TextEncoder();

const empty = (t: number): Held => ({ t, q: [], b: [] });

/**
 * The events of one page, kept in localStorage so they outlive a failed send, going offline and the
 * page itself. Storage is the truth: every call reads it back, so events another page adopted are
 * never sent twice by this one. Without storage (blocked, full), the page's memory holds them.
 */
export class QueueStore {
  private memory: Held;
  private readonly own: string;

  constructor(
    private storage: KeyValueStorage | undefined,
    private readonly settings: QueueSettings,
  ) {
    this.own = settings.prefix + settings.pageId;
    this.memory = empty(settings.now());
  }

  private read(): Held {
    if (!this.storage) return this.memory;
    try {
      const text = this.storage.getItem(this.own);
      return text ? (JSON.parse(text) as Held) : empty(this.settings.now());
    } catch {
      return this.fallBack(empty(this.settings.now()));
    }
  }

  private write(held: Held): void {
    held.t = this.settings.now();
    if (!this.storage) {
      this.memory = held;
      return;
    }
    try {
      if (held.q.length === 0 && held.b.length === 0 && !held.closed) this.storage.removeItem(this.own);
      else this.storage.setItem(this.own, JSON.stringify(held));
    } catch {
      this.fallBack(held);
    }
  }

  /** Storage failed (quota, privacy mode): keep this page's events in memory from now on. */
  private fallBack(held: Held): Held {
    this.storage = undefined;
    this.memory = held;
    return held;
  }

  /** Events held, queued or in batches. */
  size(): number {
    const held = this.read();
    return held.q.length + held.b.reduce((n, batch) => n + batch.events.length, 0);
  }

  /** Queues events; returns how many old ones were dropped to stay within maxEvents. */
  add(events: SiftEvent[]): number {
    const held = this.read();
    held.closed = false;
    held.q.push(...events);
    const dropped = trim(held, this.settings.maxEvents);
    this.write(held);
    return dropped;
  }

  /** The batch to send: the oldest one already formed (a retry), else up to `max` queued events under a new id. */
  nextBatch(max: number): Batch | undefined {
    const held = this.read();
    if (held.b.length > 0) return held.b[0];
    if (held.q.length === 0) return undefined;
    const batch = { id: this.settings.newId(), events: held.q.splice(0, max) };
    held.b.push(batch);
    this.write(held);
    return batch;
  }

  /** The gateway answered for this batch (stored, or refused for good): forget it. */
  settle(id: string): void {
    const held = this.read();
    held.b = held.b.filter((batch) => batch.id !== id);
    this.write(held);
  }

  /** Queued events not yet in a batch, oldest first, as many as fit `maxBytes` of JSON: what a beacon may carry. */
  peekQueued(maxBytes: number): SiftEvent[] {
    const taken: SiftEvent[] = [];
    let bytes = 16;
    for (const event of this.read().q) {
      bytes += utf8.encode(JSON.stringify(event)).length + 1;
      if (bytes > maxBytes) break;
      taken.push(event);
    }
    return taken;
  }

  /** The first `count` queued events left with a beacon the browser accepted. */
  dropQueued(count: number): void {
    const held = this.read();
    held.q.splice(0, count);
    this.write(held);
  }

  /** The page is going away: what it still holds may be adopted by the app's next page. */
  close(): void {
    const held = this.read();
    if (held.q.length === 0 && held.b.length === 0) return;
    held.closed = true;
    this.write(held);
  }

  /**
   * Takes over what pages of the app left behind: closed, or silent for `staleMs` (a crashed tab).
   * Returns how many events were adopted.
   */
  adopt(staleMs: number): number {
    if (!this.storage) return 0;
    let adopted = 0;
    try {
      const others: string[] = [];
      for (let i = 0; i < this.storage.length; i++) {
        const key = this.storage.key(i);
        if (key !== null && key !== this.own && key.startsWith(this.settings.prefix)) others.push(key);
      }
      const held = this.read();
      for (const key of others) {
        const text = this.storage.getItem(key);
        const theirs = text ? (JSON.parse(text) as Held) : undefined;
        if (!theirs || !(theirs.closed || this.settings.now() - theirs.t > staleMs)) continue;
        this.storage.removeItem(key);
        held.b.push(...theirs.b);
        held.q.push(...theirs.q);
        adopted += theirs.q.length + theirs.b.reduce((n, batch) => n + batch.events.length, 0);
      }
      if (adopted > 0) {
        trim(held, this.settings.maxEvents);
        this.write(held);
      }
    } catch {
      // Unreadable leftovers are not worth failing the page for.
    }
    return adopted;
  }
}

/** Drops the oldest queued events, then the oldest batches, until at most `max` are held; returns how many. */
function trim(held: Held, max: number): number {
  let over = held.q.length + held.b.reduce((n, batch) => n + batch.events.length, 0) - max;
  let dropped = 0;
  if (over > 0) {
    const fromQueue = Math.min(over, held.q.length);
    held.q.splice(0, fromQueue);
    dropped += fromQueue;
    over -= fromQueue;
  }
  while (over > 0 && held.b.length > 0) {
    const batch = held.b.shift()!;
    dropped += batch.events.length;
    over -= batch.events.length;
  }
  return dropped;
}
