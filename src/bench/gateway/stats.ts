/** A measure over several rounds: the median reported, the range beside it, every round kept. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

/** The median of the rounds (the mean of the middle two for an even count), their range, and the rounds themselves. */
export function spread(rounds: readonly number[]): Spread {
  const values = rounds.filter((v) => !Number.isNaN(v));
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, rounds: [...rounds] };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, rounds: [...rounds] };
}

/** "median (min–max)" with `digits` decimals, thousands separated: one table cell. */
export function formatSpread(s: Spread, digits = 0): string {
  if (Number.isNaN(s.median)) return 'n/a';
  const f = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** The q-quantile (0 < q ≤ 1) of ascending `sorted` values by nearest rank: the smallest value with at least q of them at or below it. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}
