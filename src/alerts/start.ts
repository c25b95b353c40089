import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SiftConfig } from '../config/load.js';
import type { Logger } from '../telemetry/logger.js';
import type { SiftMetrics } from '../telemetry/metrics.js';
import { packageRoot } from '../package-root.js';
import { createClickHouse } from '../sinks/clickhouse/client.js';
import { AlertEngine } from './engine.js';
import { loadRules } from './rules.js';

/** ALERT_RULES_FILE, relative to the working directory, else to the package (where config/alerts.yaml ships). */
export function rulesPath(file: string): string {
  if (isAbsolute(file) || existsSync(file)) return file;
  return join(packageRoot, file);
}

/** The client rule queries run on: the worker's embedded one, or over HTTP one bound to the Sift database. */
export async function ruleClient(
  config: SiftConfig,
  shared: ClickHouseClient,
): Promise<{ client: ClickHouseClient; close(): Promise<void> }> {
  if (!config.clickhouse.url) return { client: shared, close: async () => undefined };
  const client = await createClickHouse(config.clickhouse, { useDatabase: true });
  return { client, close: () => client.close() };
}

/**
 * Loads and checks the rules (one line per mistake, EXPLAIN on every query) and provisions the
 * ALERTS stream and state bucket; `engine.start()` then evaluates while `isLeader()` holds.
 */
export async function openAlerts(o: {
  config: SiftConfig;
  nc: NatsConnection;
  clickhouse: ClickHouseClient;
  metrics: SiftMetrics;
  log: Logger;
  isLeader(): boolean;
}): Promise<{ engine: AlertEngine; stop(): Promise<void> }> {
  const file = rulesPath(o.config.alerts.rulesFile);
  const rules = loadRules(file);
  const queries = await ruleClient(o.config, o.clickhouse);
  try {
    const engine = await AlertEngine.open({ ...o, clickhouse: queries.client, rules, log: o.log.child({ component: 'alerts' }) });
    o.log.info({ rules: rules.map((r) => r.name), file }, 'alert rules loaded');
    return {
      engine,
      stop: async () => {
        await engine.stop();
        await queries.close();
      },
    };
  } catch (error) {
    await queries.close();
    throw error;
  }
}
