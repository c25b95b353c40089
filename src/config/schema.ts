import './formats.js';
import { natsConfig } from '../sources/jetstream/config.js';
import { clickhouseConfig } from '../sinks/clickhouse/config.js';
import { batchConfig } from '../batch/config.js';
import { kindConfigSections } from '../kinds/registry.js';
import { telemetryConfig } from '../telemetry/config.js';
import { eventTimeConfig } from '../contract/config.js';
import { privacyConfig } from '../transforms/privacy/config.js';
import { alertsConfig } from '../alerts/config.js';
import { gatewayConfig } from '../gateway/config.js';
import { queriesConfig } from '../gateway/queries/config.js';

/** The whole schema; every key carries its own docs, default and environment variable. */
export const schema = {
  nats: natsConfig,
  clickhouse: clickhouseConfig,
  batch: batchConfig,
  ...kindConfigSections,
  eventTime: eventTimeConfig,
  privacy: privacyConfig,
  telemetry: telemetryConfig,
  alerts: alertsConfig,
  gateway: { ...gatewayConfig, ...queriesConfig },
};
