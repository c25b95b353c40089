import { loadConfig, type SiftConfig } from '../config/load.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { misspelledEnv } from '../config/env-typos.js';
import { routeClickHouseLogs } from '../sinks/clickhouse/client.js';
import { redact } from '../config/redact.js';

/** A command's output line; like every log and error line, it never shows a secret. */
export const out = (line: string): void => {
  process.stdout.write(redact(line) + '\n');
};

/** Loads the configuration a command runs with, and its logger. */
export function setup(options: { config?: string }, quiet = false): { config: SiftConfig; logger: Logger } {
  const config = loadConfig({ file: options.config });
  // Commands that print their own summary keep logs quiet unless LOG_LEVEL asks for them.
  const logger = createLogger(quiet && !process.env.LOG_LEVEL ? 'warn' : config.telemetry.logLevel);
  routeClickHouseLogs(logger);
  for (const { name, resembles } of misspelledEnv(process.env)) {
    logger.warn({ env: name, resembles }, `environment variable ${name} is not a Sift setting; did you mean ${resembles}?`);
  }
  return { config, logger };
}

/** Help text is written wrapped at 100 columns; commander wraps it again to the terminal. */
export const unwrap = (text: string): string => text.replace(/(?<!\n)\n(?!\n)/g, ' ');
