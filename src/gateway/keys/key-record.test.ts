import { describe, expect, it } from 'vitest';
import {
  BROWSER_DEFAULT_RATE,
  BROWSER_KINDS,
  hashSecret,
  keyMatches,
  keyRecord,
  newSecret,
  parseKeyRecord,
  scopeProblem,
} from './key-record.js';

const KINDS = ['metrics', 'state', 'api', 'job', 'error', 'activity', 'usage', 'heartbeat'];
const made = (spec: Parameters<typeof keyRecord>[0]) => keyRecord(spec, 'h', new Date(0), KINDS);

describe('API key records', () => {
  it('makes a server key with the scope asked for', () => {
    const result = made({ name: 'billing-api', kinds: ['api', 'job'], keys: 'billing-*', rate: 500, read: true });
    expect(result).toMatchObject({
      ok: true,
      value: { name: 'billing-api', kinds: ['api', 'job'], keys: 'billing-*', origins: [], rate: 500, read: true, revoked: false },
    });
  });

  it('gives a browser key the page kinds and a rate by default', () => {
    const result = made({ name: 'shop-web', origins: ['https://shop.example.com/'] });
    expect(result).toMatchObject({
      ok: true,
      value: { kinds: [...BROWSER_KINDS], origins: ['https://shop.example.com'], rate: BROWSER_DEFAULT_RATE, read: false },
      warnings: [],
    });
  });

  it('warns when a browser key is given wider kinds', () => {
    const result = made({ name: 'w', origins: ['https://a.example'], kinds: ['metrics'] });
    expect(result.ok && result.warnings[0]).toMatch(/may send metrics/);
  });

  it.each([
    ['a bad name', { name: 'a b', kinds: ['api'] }, '--name'],
    ['a server key without kinds', { name: 'a' }, '--kinds is required'],
    ['an unknown kind', { name: 'a', kinds: ['api', 'logs'] }, 'unknown kind "logs"'],
    ['an origin with a path', { name: 'a', origins: ['https://a.example/app'] }, 'is not an origin'],
    ['a wildcard origin', { name: 'a', origins: ['*'] }, 'is not an origin'],
    ['read rights on a browser key', { name: 'a', origins: ['https://a.example'], read: true }, '--read cannot go with --origins'],
    ['a key glob with a dot', { name: 'a', kinds: ['api'], keys: 'a.*' }, '--keys'],
    ['a negative rate', { name: 'a', kinds: ['api'], rate: -1 }, '--rate'],
  ])('refuses %s', (_name, spec, problem) => {
    const result = made(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });

  it('matches subject keys by glob, * across any characters', () => {
    expect(keyMatches('*', 'anything/at:all')).toBe(true);
    expect(keyMatches('billing-*', 'billing-eu/1')).toBe(true);
    expect(keyMatches('billing-*', 'xbilling-eu')).toBe(false);
    expect(keyMatches('dev-?', 'dev-?')).toBe(true);
    expect(keyMatches('dev-?', 'dev-1')).toBe(false);
  });

  it('says why an event is out of scope', () => {
    const result = made({ name: 'k', kinds: ['api'], keys: 'svc-*' });
    if (!result.ok) throw new Error(result.problem);
    expect(scopeProblem(result.value, 'api', 'svc-a')).toBeUndefined();
    expect(scopeProblem(result.value, 'metrics', 'svc-a')).toMatch(/may not send kind "metrics"/);
    expect(scopeProblem(result.value, 'api', 'other')).toMatch(/may not send under subject key "other"/);
  });

  it('makes secrets of 256 random bits and keeps only their hash', () => {
    const a = newSecret();
    expect(a).toMatch(/^sift_[A-Za-z0-9_-]{43}$/);
    expect(newSecret()).not.toBe(a);
    expect(hashSecret(a)).toMatch(/^[0-9a-f]{64}$/);
    const result = made({ name: 'k', kinds: ['api'] });
    expect(JSON.stringify(result)).not.toContain(a);
  });

  it('reads back what it stores, and nothing else', () => {
    const result = made({ name: 'k', kinds: ['api'] });
    if (!result.ok) throw new Error(result.problem);
    expect(parseKeyRecord(JSON.stringify(result.value))).toEqual(result.value);
    expect(parseKeyRecord('{"name":"k"}')).toBeUndefined();
    expect(parseKeyRecord('nope')).toBeUndefined();
  });
});
