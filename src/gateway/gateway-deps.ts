import type { SiftConfig } from '../config/load.js';
import type { Readiness } from '../telemetry/http-server.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { CompatRoute } from './compat/compat-route.js';
import type { KeyDirectory } from './keys/key-directory.js';
import type { KeyBudgets } from './limits/key-budgets.js';
import type { PublishLink } from './publishing/publish-link.js';
import type { QueryDeps } from './queries/query-deps.js';
import type { ReadSource } from './read-query.js';

/** What the gateway's HTTP server is built from. */
export interface GatewayDeps {
  config: SiftConfig;
  keys: KeyDirectory;
  link: PublishLink;
  budgets: KeyBudgets;
  metrics: GatewayMetrics;
  log: Logger;
  live(): boolean;
  readiness(): Readiness;
  /** Where the read routes read, or why they answer 503. */
  reads: ReadSource;
  /** The hosting worker's backlog, dead letters and partitions (GATEWAY_ENABLED); absent in `sift gateway`. */
  workerStatus?: QueryDeps['workerStatus'];
  /** The replaced systems' endpoints (default: src/gateway/compat). */
  compat?: readonly CompatRoute[];
  /** Wall clock in epoch ms (event-time window, CompatRequest.receivedAt). */
  now?: () => number;
}
