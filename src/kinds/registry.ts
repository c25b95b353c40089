import type { KindModule } from './kind.js';
import { metricsKind, metricsConfig } from './metrics/index.js';
import { apiKind } from './api/index.js';
import { jobKind } from './job/index.js';

/** Every event kind Sift understands: the one list the worker, config, migrations, schemas and telemetry read. */
export const kinds: readonly KindModule[] = [metricsKind, apiKind, jobKind];

/** The kinds' config sections, merged into the configuration schema (typed, so each kind reads its own). */
export const kindConfigSections = { ...metricsConfig };

export const kindNamed = (name: string): KindModule | undefined => kinds.find((k) => k.name === name);
