import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines to stderr (stdout is for command output); secrets are redacted by key. */
export function createLogger(level: string, name = 'sift'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['*.password', '*.token', 'password', 'token', '*.*.password', '*.*.token'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
