import type { CompatRoute } from './compat-route.js';

/** The replaced systems' ingest endpoints (none yet). */
export const compatRoutes: CompatRoute[] = [];
