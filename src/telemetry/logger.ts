import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from '../config/redact.js';

export type { Logger };

/** Secret keys, wherever they sit in a logged object (config sections nest two deep). */
const SECRET_PATHS = ['password', 'token', 'pass', 'creds', 'seed', 'authorization', 'cookie'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

interface FlushableStream extends DestinationStream {
  flush?(cb?: (error?: Error) => void): void;
  flushSync?(): void;
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

/** JSON lines to stderr (stdout is for command output); secrets are redacted by key, by value and inside URLs. */
export function createLogger(level: string, name = 'sift', destination: FlushableStream = pino.destination({ fd: 2, sync: false })): Logger {
  return pino({ name, level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } }, redacting(destination));
}
