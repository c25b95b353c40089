import type { CompatRoute } from './compat-route.js';
import { homepotRoutes } from './homepot-analytics.js';
import { metricsServiceRoutes } from './metrics-service.js';
import { timetrackerRoutes } from './timetracker.js';

export type { CompatRoute, CompatRequest, IngestOutcome, RoutedEvent } from './compat-route.js';

/** Every replaced system's ingest endpoint, at its own path with its own body (docs/gateway-compat.md). */
export const compatRoutes: CompatRoute[] = [...homepotRoutes, ...metricsServiceRoutes, ...timetrackerRoutes];
