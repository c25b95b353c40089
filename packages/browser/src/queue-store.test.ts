import { describe, expect, it } from 'vitest';
import type { SiftEvent } from './events.js';
import { QueueStore, type KeyValueStorage } from './queue-store.js';

/** localStorage's behaviour over a Map, with a quota to run out of. */
class MemoryStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  constructor(private readonly quota = Infinity) {}
  get length() {
    return this.items.size;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (value.length > this.quota) throw new DOMException('quota', 'QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

const click = (n: number): SiftEvent => ({
  kind: 'activity',
  key: 'shop',
  event: { session_id: 's', activity_type: 'click', element_id: `b${n}` },
});
const clicks = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => click(from + i));

function page(storage: KeyValueStorage | undefined, pageId: string, clock = { now: 1_000 }, maxEvents = 100) {
  let ids = 0;
  return new QueueStore(storage, {
    prefix: 'sift.shop.q.',
    pageId,
    maxEvents,
    now: () => clock.now,
    newId: () => `${pageId}-batch-${++ids}`,
  });
}

describe('the persistent queue', () => {
  it('forms batches of at most the given size, oldest events first', () => {
    const store = page(new MemoryStorage(), 'p1');
    store.add(clicks(1, 5));
    const batch = store.nextBatch(3)!;
    expect(batch.events).toEqual(clicks(1, 3));
    expect(store.size()).toBe(5);
    store.settle(batch.id);
    expect(store.nextBatch(3)!.events).toEqual(clicks(4, 5));
  });

  it('repeats an unsettled batch with the same id and events: a retry the gateway can recognise', () => {
    const store = page(new MemoryStorage(), 'p1');
    store.add(clicks(1, 2));
    const first = store.nextBatch(10)!;
    store.add(clicks(3, 3));
    expect(store.nextBatch(10)).toEqual(first);
    store.settle(first.id);
    expect(store.nextBatch(10)!.events).toEqual(clicks(3, 3));
  });

  it('survives the page: what it held is in storage, and an empty queue leaves nothing behind', () => {
    const storage = new MemoryStorage();
    const store = page(storage, 'p1');
    store.add(clicks(1, 2));
    expect(JSON.parse(storage.getItem('sift.shop.q.p1')!).q).toHaveLength(2);
    store.settle(store.nextBatch(10)!.id);
    expect(storage.length).toBe(0);
  });

  it('drops the oldest queued events beyond maxEvents, and says how many', () => {
    const store = page(new MemoryStorage(), 'p1', { now: 1 }, 4);
    expect(store.add(clicks(1, 3))).toBe(0);
    expect(store.add(clicks(4, 6))).toBe(2);
    expect(store.nextBatch(10)!.events).toEqual(clicks(3, 6));
  });

  it('gives a beacon the queued events that fit its bytes, and only those it carried leave', () => {
    const store = page(new MemoryStorage(), 'p1');
    store.add(clicks(1, 10));
    const oneEvent = JSON.stringify(click(1)).length + 1;
    const carried = store.peekQueued(16 + 3 * oneEvent);
    expect(carried).toEqual(clicks(1, 3));
    store.dropQueued(carried.length);
    expect(store.size()).toBe(7);
  });

  it('keeps batches already sent out of a beacon: the next page repeats them under their id', () => {
    const store = page(new MemoryStorage(), 'p1');
    store.add(clicks(1, 3));
    store.nextBatch(2);
    expect(store.peekQueued(60_000)).toEqual(clicks(3, 3));
  });

  it('hands a closed page’s events to the app’s next page, batches with their ids', () => {
    const storage = new MemoryStorage();
    const clock = { now: 1_000 };
    const gone = page(storage, 'p1', clock);
    gone.add(clicks(1, 3));
    const sent = gone.nextBatch(2)!;
    gone.close();
    const next = page(storage, 'p2', clock);
    expect(next.adopt(600_000)).toBe(3);
    expect(next.nextBatch(10)).toEqual(sent);
    expect(storage.getItem('sift.shop.q.p1')).toBeNull();
  });

  it('leaves a live page’s events alone, and takes them once it has been silent too long (a crashed tab)', () => {
    const storage = new MemoryStorage();
    const clock = { now: 1_000 };
    page(storage, 'p1', clock).add(clicks(1, 2));
    expect(page(storage, 'p2', clock).adopt(600_000)).toBe(0);
    clock.now += 600_001;
    expect(page(storage, 'p3', clock).adopt(600_000)).toBe(2);
  });

  it('never sends adopted events twice: the page they were taken from finds its queue gone', () => {
    const storage = new MemoryStorage();
    const clock = { now: 1_000 };
    const first = page(storage, 'p1', clock);
    first.add(clicks(1, 2));
    first.close(); // hidden, then shown again
    page(storage, 'p2', clock).adopt(600_000);
    expect(first.size()).toBe(0);
    expect(first.nextBatch(10)).toBeUndefined();
  });

  it('ignores other apps’ and unreadable leftovers', () => {
    const storage = new MemoryStorage();
    storage.setItem('sift.blog.q.x', JSON.stringify({ t: 0, closed: true, q: [click(9)], b: [] }));
    storage.setItem('sift.shop.q.broken', '{');
    expect(page(storage, 'p1').adopt(1)).toBe(0);
    expect(storage.getItem('sift.blog.q.x')).not.toBeNull();
  });

  it('keeps events in memory when storage is full or missing', () => {
    const full = page(new MemoryStorage(10), 'p1');
    full.add(clicks(1, 2));
    expect(full.nextBatch(10)!.events).toEqual(clicks(1, 2));
    const none = page(undefined, 'p2');
    none.add(clicks(1, 1));
    expect(none.size()).toBe(1);
  });
});
