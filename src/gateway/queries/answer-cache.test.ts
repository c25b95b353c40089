import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';

/** A computation that counts its runs and resolves when told. */
function counted(body: unknown = { data: [] }) {
  let runs = 0;
  const release: Array<() => void> = [];
  const compute = () => {
    runs++;
    return new Promise<{ body: unknown }>((resolve) => release.push(() => resolve({ body })));
  };
  const releaseAll = () => {
    for (const r of release.splice(0)) r();
  };
  return { compute, runs: () => runs, releaseAll };
}

describe('AnswerCache', () => {
  it('serves a key for ttlMs without computing again, then computes once more', async () => {
    let clock = 1_000;
    const cache = new AnswerCache({ ttlMs: 5_000, now: () => clock });
    const c = counted();
    const first = cache.get('a', c.compute);
    c.releaseAll();
    expect((await first).json).toBe('{"data":[]}');
    clock = 5_999;
    await cache.get('a', c.compute);
    expect(c.runs()).toBe(1);
    clock = 6_001;
    const again = cache.get('a', c.compute);
    c.releaseAll();
    await again;
    expect(c.runs()).toBe(2);
  });

  it('lets concurrent asks for one key share a single computation', async () => {
    const cache = new AnswerCache({ ttlMs: 5_000 });
    const c = counted({ n: 1 });
    const asks = Array.from({ length: 10 }, () => cache.get('k', c.compute));
    await new Promise((r) => setImmediate(r));
    c.releaseAll();
    const answers = await Promise.all(asks);
    expect(c.runs()).toBe(1);
    expect(new Set(answers.map((a) => a.etag)).size).toBe(1);
  });

  it('keeps no failed computation', async () => {
    const cache = new AnswerCache({ ttlMs: 5_000 });
    await expect(
      cache.get('k', async () => {
        throw new Error('timeout');
      }),
    ).rejects.toThrow('timeout');
    expect((await cache.get('k', async () => ({ body: 1 }))).json).toBe('1');
  });

  it("computes every time with ttlMs 0, and keeps the answer's status and tag", async () => {
    const cache = new AnswerCache({ ttlMs: 0 });
    let runs = 0;
    const compute = async () => ({ status: 503, body: { n: ++runs } });
    const a = await cache.get('k', compute);
    const b = await cache.get('k', compute);
    expect(runs).toBe(2);
    expect(a.status).toBe(503);
    expect(a.etag).not.toBe(b.etag);
  });
});
