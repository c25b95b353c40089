import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { redact } from '../config/redact.js';

export type { Logger };

/** Secret keys, wherever they sit in a logged object (config sections nest two deep). */
const SECRET_PATHS = ['password', 'token', 'pass', 'creds', 'seed', 'authorization', 'cookie'].flatMap((k) => [
  k,
  `*.${k}`,
  `*.*.${k}`,
  `*.*.*.${k}`,
]);

interface FlushableStream extends DestinationStream {
  flush?(cb?: (error?: Error) => void): void;
  flushSync?(): void;
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

function destination(format: LogFormat): FlushableStream {
  if (format === 'json') return pino.destination({ fd: 2, sync: false });
  // Synchronous, in this thread: a command's last line must be out before it exits.
  return PinoPretty({
    destination: 2,
    sync: true,
    colorize: Boolean(process.stderr.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
}

/**
 * Every finished line passes through `redact` on its way out: the message, every field, an
 * error's message and stack alike, so no field or serializer can carry a secret past it.
 */
function redacting(destination: FlushableStream): FlushableStream {
  return {
    write: (line: string) => destination.write(redact(line)),
    flush: (cb) => (destination.flush ? destination.flush(cb) : cb?.()),
    flushSync: () => destination.flushSync?.(),
  };
}

/** Log lines to stderr (stdout is for command output), JSON or readable; secrets are redacted by key, by value and inside URLs. */
export function createLogger(level: string, name = 'sift', output: LogFormat | FlushableStream = 'json'): Logger {
  const stream = typeof output === 'string' ? destination(output) : output;
  return pino({ name, level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } }, redacting(stream));
}
