import { ConfigError } from '../config/load.js';
import { ProvisionConflictError } from '../sources/jetstream/provision.js';
import { EmbeddedClickHouseError } from '../sinks/clickhouse/client.js';
import { MigrationError } from '../sinks/clickhouse/migrations.js';
import { UsageError } from './args.js';
import { QueryError } from './query.js';
import { NatsUnreachableError } from '../sources/jetstream/connect.js';
import { ClickHouseUnreachableError } from '../sinks/clickhouse/client.js';
import { ClickHouseTooOldError } from '../sinks/clickhouse/server-version.js';
import { PortInUseError } from '../telemetry/http-server.js';
import { DeadLetterNotFoundError } from '../sinks/dead-letter/dead-letter-store.js';
import { redact } from '../config/redact.js';
import { NotProvisionedError } from '../sources/jetstream/prepare.js';
import { NotMigratedError } from '../sinks/clickhouse/prepare.js';
import { AlertRulesError } from '../alerts/rules.js';
import { AlertQueryError } from '../alerts/engine.js';
import { BackfillError, BackfillRefusedError } from '../backfill/backfill.js';

/** What a person reads when a command fails: one line, the stack kept for LOG_LEVEL=debug; both without secrets. */
export interface Failure {
  line: string;
  stack: string | undefined;
  /** A usage or configuration error (exit 2) rather than a runtime failure (exit 1). */
  usage: boolean;
}

/** Errors whose message already names what failed and where. */
const SELF_EXPLAINING = [
  ConfigError,
  UsageError,
  ProvisionConflictError,
  MigrationError,
  EmbeddedClickHouseError,
  NatsUnreachableError,
  ClickHouseUnreachableError,
  ClickHouseTooOldError,
  PortInUseError,
  QueryError,
  DeadLetterNotFoundError,
  NotProvisionedError,
  NotMigratedError,
  AlertRulesError,
  AlertQueryError,
  BackfillRefusedError,
  BackfillError,
];

export function describeFailure(error: unknown): Failure {
  const err = error instanceof Error ? error : new Error(String(error));
  const usage = err instanceof UsageError || err instanceof ConfigError || err instanceof AlertRulesError || err instanceof AlertQueryError;
  const stack = err.stack === undefined ? undefined : redact(err.stack);
  if (SELF_EXPLAINING.some((kind) => err instanceof kind)) return { line: redact(err.message), stack, usage };
  // Anything else still gets one line, with the error's kind so a report can be searched for it.
  return { line: `${err.name}: ${redact(firstLine(err.message))}`, stack, usage };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
