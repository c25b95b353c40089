import { pino, type Logger } from 'pino';
import { maskUrlsIn } from '../config/mask-url.js';

export type { Logger };

/** Secret keys, wherever they sit in a logged object (config sections nest two deep). */
const SECRET_PATHS = ['password', 'token', 'pass', 'creds', 'seed', 'authorization', 'cookie'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

/** Strings may quote a URL with credentials (a config value, an error message): masked at any depth. */
function maskStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.includes('@') ? maskUrlsIn(value) : value;
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, depth + 1));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskStrings(v, depth + 1);
  return out;
}

/** JSON lines to stderr (stdout is for command output); secrets are redacted by key and inside URLs. */
export function createLogger(level: string, name = 'sift'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: SECRET_PATHS, censor: '[redacted]' },
      formatters: { log: (object) => maskStrings(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' && a.includes('@') ? maskUrlsIn(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
