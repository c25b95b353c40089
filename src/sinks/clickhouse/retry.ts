import { ClickHouseError } from '@clickhouse/client';

/** What kind of failure an insert met: bad data is never retried, everything else is. */
export type InsertErrorClass = 'bad_data' | 'auth' | 'schema' | 'overload' | 'timeout' | 'network' | 'server';

// ClickHouse error codes that say the rows themselves are wrong: retrying cannot help.
const BAD_DATA = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE (e.g. a lone surrogate in a string)
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  135, // ZERO_ARRAY_OR_TUPLE_INDEX
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
]);
const AUTH = new Set([192, 193, 194, 195, 516]); // UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, IP_ADDRESS_NOT_ALLOWED, AUTHENTICATION_FAILED
const SCHEMA = new Set([16, 47, 60, 81]); // NO_SUCH_COLUMN_IN_TABLE, UNKNOWN_IDENTIFIER, UNKNOWN_TABLE, UNKNOWN_DATABASE
const OVERLOAD = new Set([202, 203, 236, 241, 252]); // TOO_MANY_SIMULTANEOUS_QUERIES, NO_FREE_CONNECTION, ABORTED, MEMORY_LIMIT_EXCEEDED, TOO_MANY_PARTS
const TIMEOUT = new Set([159, 160, 209]); // TIMEOUT_EXCEEDED, TOO_SLOW, SOCKET_TIMEOUT

export function classifyInsertError(error: unknown): InsertErrorClass {
  if (error instanceof ClickHouseError || (error as { code?: unknown })?.code !== undefined) {
    const code = Number((error as { code: unknown }).code);
    if (BAD_DATA.has(code)) return 'bad_data';
    if (AUTH.has(code)) return 'auth';
    if (SCHEMA.has(code)) return 'schema';
    if (OVERLOAD.has(code)) return 'overload';
    if (TIMEOUT.has(code)) return 'timeout';
    if (Number.isInteger(code) && code > 0) return 'server';
  }
  const message = String((error as Error)?.message ?? error);
  if (/timeout|timed out/i.test(message)) return 'timeout';
  return 'network';
}

export const isRetriable = (kind: InsertErrorClass): boolean => kind !== 'bad_data';
