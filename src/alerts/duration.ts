const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "200ms", "30s", "5m", "1h", "7d" in milliseconds; undefined for anything else. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

/** A window as a ClickHouse interval: whole seconds, at least one. */
export function intervalSql(ms: number): string {
  return `INTERVAL ${Math.max(1, Math.round(ms / 1000))} SECOND`;
}
