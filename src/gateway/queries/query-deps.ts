import type { preHandlerHookHandler } from 'fastify';

/** What the read routes need from the gateway that hosts them. */
export interface QueryDeps {
  /** Runs a fixed read-only statement with bound parameters (ClickHouse `{name:Type}` placeholders) on Sift's database. */
  query<T = Record<string, unknown>>(sql: string, params: Record<string, unknown>): Promise<T[]>;
  /** Fastify preHandler that answers 401/403 unless the request carries a key with read rights. */
  requireRead: preHandlerHookHandler;
  /** The worker's own backlog and dead letters when the gateway runs inside a worker; undefined in a stand-alone gateway. */
  workerStatus?: () => Promise<{ backlog: number; deadLetters: number; partitions: number }>;
  now?: () => number;
}

/** A route's answer: its JSON body and, when not 200, its status. */
export interface Answer {
  status?: number;
  body: unknown;
}
