import { loadConfig, type SiftConfig } from '../config/load.js';
import { chooseLogFormat, createLogger, type Logger } from '../telemetry/logger.js';
import { unknownEnv, unknownEnvLine } from '../config/env-typos.js';
import { routeClickHouseLogs } from '../sinks/clickhouse/client.js';
import { routeNatsLogs } from '../sources/jetstream/connect.js';
import { redact } from '../config/redact.js';

/** A command's output line; like every log and error line, it never shows a secret. */
export const out = (line: string): void => {
  process.stdout.write(redact(line) + '\n');
};

/**
 * Loads the configuration a command runs with, and its logger. `command`: the worker logs JSON
 * unless LOG_FORMAT says otherwise; other commands log readable lines on a terminal.
 */
export function setup(
  options: { config?: string },
  quiet = false,
  command: 'worker' | 'command' = 'command',
): { config: SiftConfig; logger: Logger } {
  const config = loadConfig({ file: options.config });
  // Commands that print their own summary keep logs quiet unless LOG_LEVEL asks for them.
  const level = quiet && !process.env.LOG_LEVEL ? 'warn' : config.telemetry.logLevel;
  const logger = createLogger(level, 'sift', chooseLogFormat(config.telemetry.logFormat, command, Boolean(process.stderr.isTTY)));
  routeClickHouseLogs(logger);
  routeNatsLogs(logger);
  // Warned, not refused: the same environment feeds other programs (the NATS CLI, the ClickHouse
  // server image's CLICKHOUSE_DB), which must not stop Sift from starting.
  for (const unknown of unknownEnv(process.env)) logger.warn({ env: unknown.name, resembles: unknown.resembles }, unknownEnvLine(unknown));
  return { config, logger };
}

/** Help text is written wrapped at 100 columns; commander wraps it again to the terminal. */
export const unwrap = (text: string): string => text.replace(/(?<!\n)\n(?!\n)/g, ' ');
