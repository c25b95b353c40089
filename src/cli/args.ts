export class UsageError extends Error {
  override name = 'UsageError';
}

/** A whole-number option given as text; a bad value is a UsageError naming the flag. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}
