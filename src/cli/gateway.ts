import type { SiftConfig } from '../config/load.js';
import type { Logger } from '../telemetry/logger.js';
import { startGateway, type RunningGateway } from '../gateway/start-gateway.js';

export const gatewayDescription = `Serves the HTTP gateway (GATEWAY_PORT): events posted over HTTP are checked with the
worker's own contract and published to the stream; 2xx only once JetStream acknowledged them. Stateless:
run any number behind a load balancer. SIGTERM or SIGINT stops accepting, finishes the requests in
flight, and exits 0 (1 past SHUTDOWN_TIMEOUT_MS). /metrics, /healthz and /readyz are on METRICS_PORT.
The read routes and /status need CLICKHOUSE_URL (the embedded engine is read by the worker that
holds it: GATEWAY_ENABLED=true there). See docs/gateway.md and docs/gateway-queries.md.`;

export async function runGateway(config: SiftConfig, logger: Logger): Promise<number> {
  let gateway: RunningGateway | undefined;
  let signals = 0;
  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    logger.info({ signal, deadlineMs: config.telemetry.shutdownTimeoutMs }, 'stopping: finishing the requests in flight');
    setTimeout(() => {
      logger.error({ deadlineMs: config.telemetry.shutdownTimeoutMs }, 'requests still in flight at the deadline: exiting');
      process.exit(1);
    }, config.telemetry.shutdownTimeoutMs).unref();
    stopRequested();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    gateway = await startGateway(config, logger);
    await stopped;
    await gateway.close();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}
