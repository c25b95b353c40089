import { describe, expect, it } from 'vitest';
import { formatSpread, quantile, spread } from './stats.js';

describe('spread', () => {
  it('takes the middle round of an odd count and the range', () => {
    expect(spread([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30, rounds: [30, 10, 20] });
  });

  it('takes the mean of the middle two of an even count', () => {
    expect(spread([4, 1, 3, 2]).median).toBe(2.5);
  });

  it('leaves out rounds that measured nothing (NaN) but keeps them in the list', () => {
    expect(spread([5, Number.NaN, 7])).toMatchObject({ median: 6, min: 5, max: 7 });
    expect(spread([Number.NaN]).median).toBeNaN();
    expect(spread([]).median).toBeNaN();
  });
});

describe('formatSpread', () => {
  it('prints the median with its range, or the value alone when the rounds agree', () => {
    expect(formatSpread(spread([12_000, 9_500.4, 13_250]))).toBe('12,000 (9,500–13,250)');
    expect(formatSpread(spread([1.25, 1.25]), 1)).toBe('1.3');
    expect(formatSpread(spread([Number.NaN]))).toBe('n/a');
  });
});

describe('quantile', () => {
  it('takes the nearest rank: the value with at least q of the values at or below it', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile(sorted, 1)).toBe(100);
    expect(quantile([0.4, 0.7, 12.5], 0.5)).toBe(0.7);
    expect(quantile([0.4, 0.7, 12.5], 0.99)).toBe(12.5);
    expect(quantile([3], 0.01)).toBe(3);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
