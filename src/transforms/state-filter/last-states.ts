import type { LastStored } from './decide.js';
import { RecentKeys, type EvictionCause } from '../recent-keys.js';

export type StateEvictionCause = EvictionCause;

/** The last stored state per device, bounded by idle time and a cap on tracked devices. */
export class LastStates extends RecentKeys<LastStored> {}
