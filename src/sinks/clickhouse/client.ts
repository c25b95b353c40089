import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SiftConfig } from '../../config/load.js';
import { maskUrl, maskUrlsIn } from '../../config/mask-url.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { clickhouseLogClass } from './client-log.js';
import { checkServerVersion } from './server-version.js';

export type { ClickHouseClient };

/** The embedded engine could not open its data directory (most often: another process has it). */
export class EmbeddedClickHouseError extends Error {
  override name = 'EmbeddedClickHouseError';
}

/** The ClickHouse server did not answer at start-up. */
export class ClickHouseUnreachableError extends Error {
  override name = 'ClickHouseUnreachableError';
}

/** Clients on the embedded engine: their inserts can skip the client's row-by-row encoding (see the writer). */
const embeddedClients = new WeakSet<ClickHouseClient>();
export function isEmbedded(client: ClickHouseClient): boolean {
  return embeddedClients.has(client);
}

/** Where the client's own log lines go unless a caller passes its logger (commands set it once). */
let clientLogger: Logger | undefined;
export function routeClickHouseLogs(logger: Logger): void {
  clientLogger = logger;
}

/** Where the rows go, said without secrets: for logs and command output. */
export function describeTarget(config: SiftConfig['clickhouse']): string {
  if (!config.url) return `embedded ClickHouse at ${resolve(config.embeddedPath)}`;
  return `ClickHouse at ${maskUrl(config.url)}`;
}

/**
 * One client API for both targets: an HTTP server or cluster when CLICKHOUSE_URL is set, else
 * the ClickHouse engine embedded in this process (chDB), which binds one data directory per process.
 */
export async function createClickHouse(
  config: SiftConfig['clickhouse'],
  options: { useDatabase?: boolean; logger?: Logger } = {},
): Promise<ClickHouseClient> {
  const log = { LoggerClass: clickhouseLogClass(options.logger ?? clientLogger ?? createLogger(process.env.LOG_LEVEL ?? 'info')) };
  if (config.url) {
    const open = (database?: string) =>
      createClient({
        url: config.url,
        ...(database ? { database } : {}),
        // Credentials in the URL win; passing both only makes the client warn.
        ...(new URL(config.url).username ? {} : { username: config.user, password: config.password }),
        request_timeout: config.requestTimeoutMs,
        application: 'sift',
        ...(config.tlsCaFile ? { tls: { ca_cert: readFileSync(config.tlsCaFile) } } : {}),
        log,
      });
    // Not bound to the database yet: the version is asked even where the database does not exist.
    const client = open();
    // Asked once at start, so an unreachable server is one line here, not a stack at the first insert.
    const ping = await client.ping();
    if (!ping.success) {
      await client.close();
      throw new ClickHouseUnreachableError(`cannot reach ${describeTarget(config)} (CLICKHOUSE_URL): ${maskUrlsIn(ping.error.message)}`, {
        cause: ping.error,
      });
    }
    try {
      await checkServerVersion(client, describeTarget(config));
    } catch (error) {
      await client.close();
      throw error;
    }
    if (!options.useDatabase) return client;
    await client.close();
    return open(config.database);
  }
  const path = resolve(config.embeddedPath);
  mkdirSync(path, { recursive: true });
  // The engine's allocator (jemalloc, read from JE_MALLOC_CONF as it loads) would keep freed pages for
  // seconds: returned after one, peak RSS drops for free (at once would cost engine CPU). An operator's own setting wins.
  process.env.JE_MALLOC_CONF ??= 'dirty_decay_ms:1000,muzzy_decay_ms:0';
  // Loaded only when embedded, so an HTTP deployment never loads the native engine.
  const { createChdbConnection } = await import('chdb/connection');
  // chdb types its Connection against @clickhouse/client-common, which the client bundles as its
  // own copy: the shapes are the same, the declarations are not the same objects.
  let chdb;
  try {
    chdb = createChdbConnection({ path });
  } catch (error) {
    throw new EmbeddedClickHouseError(
      `cannot open the embedded ClickHouse at ${path}: another process (a running worker?) holds it, or it is not a data directory. ` +
        `Stop that process, or set CLICKHOUSE_URL to a server. (${(error as Error).message})`,
    );
  }
  const connection = chdb as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'];
  const client = createClient({ connection, log });
  embeddedClients.add(client);
  // The embedded engine has one session: USE sets its current database for every later query.
  if (options.useDatabase) {
    try {
      await client.command({ query: `USE ${config.database}` });
    } catch (error) {
      await client.close();
      throw new EmbeddedClickHouseError(
        `database ${config.database} does not exist at ${path}: run \`sift migrate\` or a worker first (${(error as Error).message.split('\n')[0]})`,
      );
    }
  }
  return client;
}
