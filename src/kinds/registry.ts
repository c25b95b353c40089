import type { KindModule } from './kind.js';
import { metricsKind, metricsConfig } from './metrics/index.js';
import { errorKind, errorConfig } from './error/index.js';
import { activityKind } from './activity/index.js';

/** Every event kind Sift understands: the one list the worker, config, migrations, schemas and telemetry read. */
export const kinds: readonly KindModule[] = [
  metricsKind,
  errorKind,
  activityKind,
];

/** The kinds' config sections, merged into the configuration schema (typed, so each kind reads its own). */
export const kindConfigSections = {
  ...metricsConfig,
  ...errorConfig,
};

export const kindNamed = (name: string): KindModule | undefined => kinds.find((k) => k.name === name);
