import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
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

/** How log lines look: JSON for machines, or one readable line each for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT's "auto": a worker logs JSON (a log collector reads it, even when started by hand),
 * any other command logs readable lines when its stderr is a terminal and JSON otherwise.
 */
export function chooseLogFormat(setting: 'auto' | LogFormat, command: 'worker' | 'command', stderrIsTTY: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return command === 'command' && stderrIsTTY ? 'pretty' : 'json';
}

function destination(format: LogFormat): DestinationStream {
  if (format === 'json') return pino.destination({ fd: 2, sync: false });
  // Synchronous, in this thread: a command's last line must be out before it exits.
  return PinoPretty({ destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', singleLine: true });
}

/** Log lines to stderr (stdout is for command output); secrets are redacted by key and inside URLs. */
export function createLogger(level: string, name = 'sift', format: LogFormat = 'json'): Logger {
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
    destination(format),
  );
}
