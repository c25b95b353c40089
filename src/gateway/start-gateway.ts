import { kinds } from '../kinds/registry.js';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { SiftConfig } from '../config/load.js';
import { connectNats, connectionOptions, NatsUnreachableError } from '../sources/jetstream/connect.js';
import { maskUrlList } from '../config/mask-url.js';
import type { Logger } from '../telemetry/logger.js';
import { createGatewayMetrics } from '../telemetry/metrics.js';
import { PortInUseError, startStatusServer, type Readiness } from '../telemetry/http-server.js';
import { checkGatewayConfig } from './check-config.js';
import { buildGateway } from './build-gateway.js';
import { KeyDirectory } from './keys/key-directory.js';
import { KeyStore, keysBucket } from './keys/key-store.js';
import { KeyBudgets } from './limits/key-budgets.js';
import { PublishLink } from './publishing/publish-link.js';
import type { CompatRoute } from './compat/compat-route.js';
import type { QueryDeps } from './queries/query-deps.js';
import { readSource } from './read-query.js';
import type { ClickHouseClient } from '../sinks/clickhouse/client.js';

export interface GatewayStartOptions {
  /** The registry its metrics join (a worker's); without one, the gateway serves its own on METRICS_PORT. */
  registry?: Registry;
  compat?: readonly CompatRoute[];
  /** The hosting worker's ClickHouse client: on the embedded engine the read routes read through it. */
  clickhouse?: ClickHouseClient;
  /** The hosting worker's backlog, dead letters and partitions, for /health/detailed and the status page. */
  workerStatus?: QueryDeps['workerStatus'];
}

/** A listening gateway. */
export interface RunningGateway {
  app: FastifyInstance;
  /** The port it listens on (GATEWAY_PORT, or the one chosen for 0). */
  port: number;
  readiness(): Readiness;
  /** Stops accepting, lets the requests in flight finish, then closes its NATS connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: keys read and watched, a publishing connection to NATS, the HTTP server
 * listening. Throws (one line) on contradicting settings, NATS unreachable, or a port in use.
 */
export async function startGateway(config: SiftConfig, logger: Logger, options: GatewayStartOptions = {}): Promise<RunningGateway> {
  checkGatewayConfig(config.gateway);
  const log = logger.child({ component: 'gateway' });
  const name = `sift-gateway ${hostname()}:${process.pid}`;
  const keysNc = await connectNats(config.nats, `${name} keys`);
  const link = new PublishLink(() => connect({ ...connectionOptions(config.nats, `${name} publish`), reconnect: false }), log);
  let statusServer: Server | undefined;
  let app: FastifyInstance | undefined;
  const directory = new KeyDirectory(await KeyStore.open(keysNc, keysBucket(config.nats.consumer.prefix), config.nats.replicas), log);
  const reads = readSource(config.clickhouse, options.clickhouse);
  if (!reads.ok) log.warn(`${reads.reason}; they answer 503`);
  try {
    await directory.start();
    await link.start().catch((error: unknown) => {
      throw new NatsUnreachableError(`cannot connect to NATS at ${maskUrlList(config.nats.url)} (NATS_URL): ${(error as Error).message}`, {
        cause: error,
      });
    });
    const registry = options.registry ?? new Registry();
    if (!options.registry) collectDefaultMetrics({ register: registry });
    let stopping = false;
    const readiness = (): Readiness => {
      const checks = { nats_connected: link.current !== undefined, keys_loaded: directory.loaded };
      return { ready: !stopping && Object.values(checks).every(Boolean), checks };
    };
    app = buildGateway({
      config,
      keys: directory,
      link,
      budgets: new KeyBudgets(),
      metrics: createGatewayMetrics(registry, kinds),
      log,
      live: () => !stopping,
      readiness,
      reads,
      ...(options.workerStatus ? { workerStatus: options.workerStatus } : {}),
      ...(options.compat ? { compat: options.compat } : {}),
    });
    await app.listen({ port: config.gateway.port, host: config.gateway.host }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new PortInUseError(`gateway port ${config.gateway.host}:${config.gateway.port} (GATEWAY_PORT) is in use`, { cause: error });
      throw error;
    });
    if (!options.registry && config.telemetry.metricsPort > 0) {
      statusServer = await startStatusServer(
        config.telemetry.metricsPort,
        config.telemetry.metricsHost,
        { registry, live: () => !stopping, readiness },
        { maxConnections: config.telemetry.metricsMaxConnections, requestTimeoutMs: config.telemetry.metricsRequestTimeoutMs },
      );
    }
    const port = (app.server.address() as AddressInfo).port;
    log.info({ port, host: config.gateway.host, nats: maskUrlList(config.nats.url) }, 'gateway listening');
    const server = app;
    let closing: Promise<void> | undefined;
    return {
      app: server,
      port,
      readiness,
      close: () =>
        (closing ??= (async () => {
          stopping = true;
          await server.close();
          directory.stop();
          await link.close();
          await keysNc.drain().catch(() => undefined);
          if (reads.ok) await reads.close().catch(() => undefined);
          await new Promise((resolve) => (statusServer ? statusServer.close(resolve) : resolve(undefined)));
          log.info('gateway stopped');
        })()),
    };
  } catch (error) {
    directory.stop();
    await app?.close().catch(() => undefined);
    await link.close();
    await keysNc.close().catch(() => undefined);
    if (reads.ok) await reads.close().catch(() => undefined);
    throw error;
  }
}
