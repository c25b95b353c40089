import { describe, expect, it } from 'vitest';
import { checkMetricValues, MAX_METRIC_MAGNITUDE } from './metric-value.js';

describe('metric values', () => {
  it.each([
    ['ordinary values', { a: 1, b: -2.5, c: 0 }],
    ['the bounds', { a: MAX_METRIC_MAGNITUDE, b: -MAX_METRIC_MAGNITUDE }],
    ['tiny magnitudes', { a: 5e-324 }],
    ['non-numbers (the schema judges them)', { a: 'x' }],
  ])('accepts %s', (_name, metrics) => {
    expect(checkMetricValues(metrics)).toEqual({ ok: true, value: undefined });
  });

  it.each([
    ['Infinity', { a: 1, b: Number.POSITIVE_INFINITY }, 'non_finite', '/metrics/b: Infinity is not a finite number'],
    ['NaN', { a: Number.NaN }, 'non_finite', '/metrics/a: NaN'],
    ['1e308', { a: 1e308 }, 'value_out_of_range', '/metrics/a: 1e+308 is beyond ±1e+300'],
    ['just past the bound', { a: -1.0000000000001e300 }, 'value_out_of_range', '/metrics/a'],
  ])('refuses %s', (_name, metrics, reason, detail) => {
    const result = checkMetricValues(metrics);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.detail).toContain(detail);
  });

  it('keeps a sum of 10^8 values at the bound finite', () => {
    expect(Number.isFinite(MAX_METRIC_MAGNITUDE * 1e8)).toBe(true);
    expect(Number.isFinite(1e308 + 1e308)).toBe(false);
  });
});
