import { accepted, rejected, type Verdict } from './verdict.js';

/**
 * Largest accepted metric magnitude. Rollups add values up in Float64 (per batch, then per hour
 * and day in ClickHouse); with |v| ≤ 1e300 a sum of up to 1e8 values stays below Float64's
 * 1.8e308, where two values of 1e308 already overflowed to Infinity and showed an avg of 0.
 * Clamping would store a number nobody sent; a dead letter says what was wrong.
 */
export const MAX_METRIC_MAGNITUDE = 1e300;

/**
 * Refuses a metric value that is not finite (`non_finite`, e.g. 1e999 in JSON) or beyond
 * ±MAX_METRIC_MAGNITUDE (`value_out_of_range`); names the first such metric.
 */
export function checkMetricValues(metrics: Record<string, unknown>, path = '/metrics'): Verdict<void> {
  for (const name of Object.keys(metrics)) {
    const value = metrics[name];
    if (typeof value !== 'number') continue;
    if (!Number.isFinite(value)) return rejected('non_finite', `${path}/${name}: ${value} is not a finite number`);
    if (Math.abs(value) > MAX_METRIC_MAGNITUDE) {
      return rejected(
        'value_out_of_range',
        `${path}/${name}: ${value} is beyond ±${MAX_METRIC_MAGNITUDE}, the largest magnitude a rollup can sum`,
      );
    }
  }
  return accepted(undefined);
}
