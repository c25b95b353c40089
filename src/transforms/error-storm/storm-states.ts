import type { StormState } from './decide.js';
import { RecentKeys, type EvictionCause } from '../recent-keys.js';

export type { EvictionCause };

/** Per-fingerprint suppression state, bounded by idle time and a cap on tracked fingerprints. */
export class StormStates extends RecentKeys<StormState> {}
