import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig } from '../../config/load.js';
import { connectNats } from '../../sources/jetstream/connect.js';
import { createClickHouse } from '../../sinks/clickhouse/client.js';
import { createLogger } from '../../telemetry/logger.js';
import { KeyDirectory } from '../../gateway/keys/key-directory.js';
import { KeyStore, keysBucket } from '../../gateway/keys/key-store.js';
import { requireRead } from '../../gateway/read-access.js';
import { readQuery } from '../../gateway/read-query.js';
import { queryRoutes, type QueryDeps } from '../../gateway/queries/index.js';
import { sleep } from '../../util/timing.js';

/** What the bench asks of this process over IPC, and what it answers. */
export type QueryServerRequest = 'count' | 'stop';
export interface QueryServerReady {
  ready: true;
  cachedPort: number;
  uncachedPort: number;
  deviceId: string | undefined;
}
export interface QueryServerCount {
  queries: number;
}

/**
 * The read routes for the gateway bench, in a process of their own: `queryRoutes` of
 * src/gateway/queries on the embedded engine at CLICKHOUSE_EMBEDDED_PATH, with the gateway's key
 * check and read runner. Two servers on one engine: one with the answer cache (TTL from argv[2]),
 * one without. Counts every statement sent to ClickHouse.
 */
async function serveQueries(cacheTtlMs: number): Promise<void> {
  const config = loadConfig({ env: process.env });
  const log = createLogger('warn', 'sift-bench-queries');
  const client = await createClickHouse(config.clickhouse, { useDatabase: true, logger: log });
  const nc = await connectNats(config.nats, 'sift-bench-queries');
  const keys = new KeyDirectory(await KeyStore.open(nc, keysBucket(config.nats.consumer.prefix), config.nats.replicas), log);
  await keys.start();
  const read = readQuery(async () => client, config.clickhouse.database);
  let queries = 0;
  let running = 0;
  const deps: QueryDeps = {
    query: async <T = Record<string, unknown>>(sql: string, params: Record<string, unknown>) => {
      queries++;
      running++;
      try {
        return await read<T>(sql, params);
      } finally {
        running--;
      }
    },
    requireRead: requireRead(keys),
  };
  const serve = async (ttlMs: number): Promise<FastifyInstance> => {
    // Device ids may be longer than Fastify's default 100-character path parameter.
    const app = Fastify({ routerOptions: { maxParamLength: 1_000 } });
    await app.register(queryRoutes(deps, { cacheTtlMs: ttlMs }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    return app;
  };
  const cached = await serve(cacheTtlMs);
  const uncached = await serve(0);
  const [latest] = await read<{ device_id: string }>('SELECT device_id FROM device_states ORDER BY ts DESC LIMIT 1', {});
  const ready: QueryServerReady = {
    ready: true,
    cachedPort: (cached.server.address() as AddressInfo).port,
    uncachedPort: (uncached.server.address() as AddressInfo).port,
    deviceId: latest?.device_id,
  };
  process.send!(ready);
  process.on('message', (message: QueryServerRequest) => {
    if (message === 'count') process.send!({ queries } satisfies QueryServerCount);
    if (message === 'stop') {
      void (async () => {
        await cached.close();
        await uncached.close();
        // Requests whose client went away still have their query running: closing the engine under it crashes.
        while (running > 0) await sleep(50);
        keys.stop();
        await nc.close();
        await client.close();
        process.exit(0);
      })();
    }
  });
}

if (process.argv[1]?.endsWith('query-server.js')) {
  serveQueries(Number(process.argv[2])).catch((error: unknown) => {
    process.stderr.write(`bench query server: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
