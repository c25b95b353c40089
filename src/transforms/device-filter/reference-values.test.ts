import { describe, expect, it } from 'vitest';
import { ReferenceValues } from './reference-values.js';

/** The same operations on a Map: what ReferenceValues must agree with. */
function replay(ops: [op: 'set' | 'delete' | 'whole', name: string, value: number][]): { refs: ReferenceValues; map: Map<string, number> } {
  const refs = ReferenceValues.empty();
  const map = new Map<string, number>();
  for (const [op, name, value] of ops) {
    if (op === 'set') {
      refs.set(name, value);
      map.set(name, value);
    } else if (op === 'delete') expect(refs.delete(name)).toBe(map.delete(name));
    else {
      // A whole reading: metrics m0 up to this name, in order.
      const metrics = Object.fromEntries(Array.from({ length: Number(name.slice(1)) + 1 }, (_, i) => [`m${i}`, value + i]));
      refs.replaceAll(metrics);
      map.clear();
      for (const [metric, v] of Object.entries(metrics)) map.set(metric, v);
    }
  }
  return { refs, map };
}

describe('reference values', () => {
  it('agree with a Map through random sets, deletes and whole readings, below and above the scan limit', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const names of [3, 16, 17, 40]) {
      const ops: [op: 'set' | 'delete' | 'whole', name: string, value: number][] = [];
      for (let i = 0; i < 2000; i++) {
        const r = random();
        ops.push([r < 0.75 ? 'set' : r < 0.97 ? 'delete' : 'whole', `m${Math.floor(random() * names)}`, random() * 1000 - 500]);
      }
      const { refs, map } = replay(ops);
      expect(refs.entries()).toEqual([...map.entries()]);
      expect(refs.size).toBe(map.size);
      for (let i = 0; i < names + 2; i++) expect(refs.get(`m${i}`)).toBe(map.get(`m${i}`));
    }
  });

  it('take a whole reading in place or afresh, as its metrics say', () => {
    const refs = ReferenceValues.of({ a: 1, b: 2 });
    refs.replaceAll({ a: 3, b: 4 });
    expect(refs.entries()).toEqual([
      ['a', 3],
      ['b', 4],
    ]);
    refs.replaceAll({ b: 5, a: 6 });
    expect(refs.entries()).toEqual([
      ['b', 5],
      ['a', 6],
    ]);
    refs.replaceAll({ b: 7 });
    expect(refs.entries()).toEqual([['b', 7]]);
    refs.replaceAll({ b: 8, c: 9 });
    expect(refs.entries()).toEqual([
      ['b', 8],
      ['c', 9],
    ]);
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`m${i}`, i]));
    refs.replaceAll(many);
    expect(refs.get('m19')).toBe(19);
    expect(refs.get('b')).toBeUndefined();
  });

  it('find names in any order, and names that are Object.prototype members', () => {
    const refs = ReferenceValues.from(['a', 'constructor', '__proto__', 'c'], [1, 2, 3, 4]);
    expect(['c', 'a', '__proto__', 'constructor', 'toString'].map((n) => refs.get(n))).toEqual([4, 1, 3, 2, undefined]);
    expect(ReferenceValues.of(JSON.parse('{"__proto__": 5, "x": 0.5}') as Record<string, number>).entries()).toEqual([
      ['__proto__', 5],
      ['x', 0.5],
    ]);
  });
});
