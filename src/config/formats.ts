import convict from 'convict';

const SYSTEM_DATABASES = new Set(['system', 'information_schema']);

/**
 * Ten years. The TTL `toDateTime(ts) + INTERVAL n DAY` must stay below DateTime's end (2106-02-07):
 * 36500 wrapped rows written today to the 1970s and the next merge deleted them. With 3650, rows
 * with timestamps up to February 2096 keep a valid TTL, and nobody keeps raw telemetry longer in one table.
 */
export const MAX_RETENTION_DAYS = 3650;

/**
 * Formats whose values are URLs (or lists of them): their userinfo is masked in every output and
 * remembered as a secret, whichever key uses them.
 */
export const URL_FORMATS: ReadonlySet<string> = new Set(['nats-url', 'http-url-or-empty', 'web-url-or-empty']);

function isHttpUrl(value: unknown): boolean {
  try {
    const { protocol } = new URL(String(value));
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

// Each format's message says what is allowed, so a start-up error names key, value and the rule.
function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** "0-7,9" to [0..7, 9]; throws on anything else. */
export function parsePartitionList(text: string): number[] {
  const out = new Set<number>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a partition or range like 0-7`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`range "${part}" runs backwards`);
    for (let p = from; p <= to; p++) out.add(p);
  }
  return [...out].sort((a, b) => a - b);
}

convict.addFormats({
  'privacy-rules': {
    validate(value: unknown) {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new Error('must be an object of kind → {hash?: [fields], drop?: [fields]}');
      for (const [kind, rule] of Object.entries(value)) {
        if (typeof rule !== 'object' || rule === null) throw new Error(`"${kind}" must be {hash?: [...], drop?: [...]}`);
        for (const [key, fields] of Object.entries(rule as Record<string, unknown>)) {
          if (key !== 'hash' && key !== 'drop') throw new Error(`"${kind}" has unknown key "${key}" (allowed: hash, drop)`);
          if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string'))
            throw new Error(`"${kind}".${key} must be a list of field names`);
        }
      }
    },
    coerce: (value: string) => JSON.parse(value) as unknown,
  },
  'partition-list': {
    validate(value: unknown) {
      if (!Array.isArray(value) || !value.every((p) => Number.isInteger(p) && p >= 0)) throw new Error('must be partitions like "0-7,9"');
    },
    coerce: (value: string) => parsePartitionList(value),
  },
  'positive-int': {
    validate(value: unknown) {
      if (!Number.isInteger(value) || (value as number) < 1) throw new Error('must be a whole number ≥ 1');
    },
    coerce: (value: string) => Number(value),
  },
  'non-negative-int': {
    validate(value: unknown) {
      if (!Number.isInteger(value) || (value as number) < 0) throw new Error('must be a whole number ≥ 0');
    },
    coerce: (value: string) => Number(value),
  },
  'start-retry': {
    validate(value: unknown) {
      if (value === '' || value === 'forever') return;
      if (!Number.isInteger(value) || (value as number) < 0)
        throw new Error('must be empty (the command decides), "forever", or a whole number of seconds ≥ 0');
    },
    coerce: (value: string) => (/^\s*\d+\s*$/.test(value) ? Number(value) : value.trim()),
  },
  'max-deliver': {
    validate(value: unknown) {
      if (!Number.isInteger(value) || ((value as number) < 1 && value !== -1)) {
        throw new Error('must be -1 (never give up) or a whole number ≥ 1');
      }
    },
    coerce: (value: string) => Number(value),
  },
  fraction: {
    validate(value: unknown) {
      if (!isNumber(value) || value <= 0 || value >= 1) throw new Error('must be a number between 0 and 1 (exclusive)');
    },
    coerce: (value: string) => Number(value),
  },
  'non-negative-number': {
    validate(value: unknown) {
      if (!isNumber(value) || value < 0) throw new Error('must be a number ≥ 0');
    },
    coerce: (value: string) => Number(value),
  },
  'nats-url': {
    validate(value: unknown) {
      const urls = String(value)
        .split(',')
        .map((s) => s.trim());
      for (const url of urls) {
        // Userinfo runs to the last @ (a password may hold @, : or /); the host part holds none of them.
        if (!/^(nats|tls|ws|wss):\/\/(?:\S*@)?[^\s/@]+$/.test(url) && !/^[^\s/:@]+:\d+$/.test(url)) {
          throw new Error('must be nats://host:port or nats://user:password@host:port (comma-separated for a cluster)');
        }
      }
    },
  },
  'http-url-or-empty': {
    validate(value: unknown) {
      if (value !== '' && !isHttpUrl(value)) throw new Error('must be empty (embedded ClickHouse) or an http(s):// URL');
    },
  },
  'web-url-or-empty': {
    validate(value: unknown) {
      if (value !== '' && !isHttpUrl(value)) throw new Error('must be empty (none) or an http(s):// URL');
    },
  },
  'cluster-name-or-empty': {
    validate(value: unknown) {
      if (typeof value !== 'string' || !/^([A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(value)) {
        throw new Error('must be empty (one server) or a cluster name from remote_servers: letters, digits, _, . or -');
      }
    },
  },
  'subject-token': {
    validate(value: unknown) {
      if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) {
        throw new Error('must be one NATS subject token: letters, digits, _ or -');
      }
    },
  },
  'user-database': {
    validate(value: unknown) {
      if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
        throw new Error('must be an identifier: a letter or _ then letters, digits or _');
      }
      // Sift creates and alters tables in it: never in a database ClickHouse keeps for itself.
      if (SYSTEM_DATABASES.has(value.toLowerCase()))
        throw new Error('must not be a ClickHouse system database (system, information_schema)');
    },
  },
  'retention-days': {
    validate(value: unknown) {
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_RETENTION_DAYS) {
        throw new Error(
          `must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}: the TTL date is a DateTime, which ends in 2106, and a row whose ts + RETENTION_DAYS passes that wraps to a past date and is deleted at once`,
        );
      }
    },
    coerce: (value: string) => Number(value),
  },
  identifier: {
    validate(value: unknown) {
      if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
        throw new Error('must be an identifier: a letter or _ then letters, digits or _');
      }
    },
  },
  'metric-overrides': {
    validate(value: unknown) {
      if (!Array.isArray(value)) throw new Error('must be a list of {match, relative?|absolute?, zeroFloor?}');
      value.forEach((entry: unknown, i: number) => {
        const e = entry as Record<string, unknown>;
        const where = `entry ${i}`;
        if (typeof e !== 'object' || e === null) throw new Error(`${where} must be an object`);
        const allowed = new Set(['match', 'relative', 'absolute', 'zeroFloor']);
        for (const key of Object.keys(e)) {
          if (!allowed.has(key)) throw new Error(`${where} has unknown key "${key}" (allowed: match, relative, absolute, zeroFloor)`);
        }
        if (typeof e.match !== 'string' || e.match === '') throw new Error(`${where} needs "match": a metric name or glob`);
        if ((e.relative === undefined) === (e.absolute === undefined)) {
          throw new Error(`${where} needs exactly one of "relative" or "absolute"`);
        }
        for (const key of ['relative', 'absolute', 'zeroFloor'] as const) {
          if (e[key] !== undefined && (!isNumber(e[key]) || (e[key] as number) < 0)) {
            throw new Error(`${where} "${key}" must be a number ≥ 0`);
          }
        }
      });
    },
    coerce: (value: string) => JSON.parse(value) as unknown,
  },
});
