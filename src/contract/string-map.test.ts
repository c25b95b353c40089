import { describe, expect, it } from 'vitest';
import { toStringMap } from './string-map.js';

describe('free-form objects as string maps', () => {
  it('keeps strings and stores other values as their JSON text', () => {
    expect(toStringMap({ a: 'x', n: 1.5, b: true, z: null, o: { k: [1, 'y'] } })).toEqual({ a: 'x', n: '1.5', b: 'true', z: 'null', o: '{"k":[1,"y"]}' });
  });

  it('is empty when absent, and takes keys that are Object.prototype members as data', () => {
    expect(toStringMap(undefined)).toEqual({});
    const map = toStringMap(JSON.parse('{"__proto__": 1, "constructor": "c"}') as Record<string, unknown>);
    expect(Object.keys(map)).toEqual(['__proto__', 'constructor']);
    expect(JSON.stringify(map)).toBe('{"__proto__":"1","constructor":"c"}');
  });
});
