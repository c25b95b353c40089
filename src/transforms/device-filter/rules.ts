import picomatch from 'picomatch';
import type { FilterOverride } from './config.js';

/** How one metric's change is judged: relative to its last stored value, or by absolute difference. */
export interface ChangeRule {
  relative: number;
  /** When set, the rule is |new − old| > absolute and `relative` is ignored. */
  absolute: number | undefined;
  /** When the last stored value is 0: a change if |new| > zeroFloor. */
  zeroFloor: number;
}

/**
 * Binary rounding slack: 1.05 − 1 is 0.0500000000000000444 and 0.51 − 0.5 is 0.0100000000000000089,
 * so thresholds are compared as the decimal numbers people write, to within this relative margin.
 */
export const ROUNDING_SLACK = 1e-9;

/** Caps the per-name cache so a flood of distinct metric names cannot grow it without bound. */
const MAX_CACHED_NAMES = 10_000;

/** Resolves the rule for a metric name: first matching override, else the defaults. Cached per name. */
export class ChangeRules {
  private readonly matchers: Array<{ test: (name: string) => boolean; rule: ChangeRule }>;
  private readonly cache = new Map<string, ChangeRule>();

  constructor(
    private readonly defaults: ChangeRule,
    overrides: FilterOverride[],
  ) {
    this.matchers = overrides.map((o) => {
      const rule: ChangeRule = {
        relative: o.relative ?? defaults.relative,
        absolute: o.absolute,
        zeroFloor: o.zeroFloor ?? defaults.zeroFloor,
      };
      // Compiled once per override and consulted once per metric name (cached below), so the
      // matcher is off the hot path: bench/hot-path.mjs reads the same with or without globs.
      return { test: picomatch(o.match, { dot: true }), rule };
    });
  }

  ruleFor(metric: string): ChangeRule {
    let rule = this.cache.get(metric);
    if (rule) return rule;
    rule = this.matchers.find((m) => m.test(metric))?.rule ?? this.defaults;
    if (this.cache.size >= MAX_CACHED_NAMES) this.cache.clear();
    this.cache.set(metric, rule);
    return rule;
  }
}
