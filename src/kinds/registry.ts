import type { KindModule } from './kind.js';
import { metricsKind, metricsConfig } from './metrics/index.js';
import { stateKind, stateConfig } from './state/index.js';
import { apiKind } from './api/index.js';
import { jobKind } from './job/index.js';
import { errorKind, errorConfig } from './error/index.js';
import { activityKind } from './activity/index.js';
import { usageKind } from './usage/index.js';
import { heartbeatKind } from './heartbeat/index.js';

/** Every event kind Sift understands: the one list the worker, config, migrations, schemas and telemetry read. */
export const kinds: readonly KindModule[] = [metricsKind, stateKind, apiKind, jobKind, errorKind, activityKind, usageKind, heartbeatKind];

/** The kinds' config sections, merged into the configuration schema (typed, so each kind reads its own). */
export const kindConfigSections = {
  ...metricsConfig,
  ...stateConfig,
  ...errorConfig,
};

export const kindNamed = (name: string): KindModule | undefined => kinds.find((k) => k.name === name);
