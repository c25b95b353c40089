import { describe, expect, it } from 'vitest';
import { parseBound } from './range.js';

describe('backfill range bounds', () => {
  it('reads a whole number as a sequence and anything else as a date-time', () => {
    expect(parseBound('42', 'from')).toEqual({ seq: 42 });
    expect(parseBound('2026-11-23T08:00:00Z', 'from')).toEqual({ timeMs: Date.parse('2026-11-23T08:00:00Z') });
  });

  it('says which option is wrong and why', () => {
    expect(parseBound('0', 'until')).toBe('--until 0: a sequence is a whole number from 1');
    expect(parseBound('soon', 'from')).toMatch(/^--from "soon" is neither a stream sequence nor a date-time/);
  });
});
