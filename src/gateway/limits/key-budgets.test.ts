import { describe, expect, it } from 'vitest';
import { KeyBudgets } from './key-budgets.js';

describe('per-key event budgets', () => {
  const clocked = () => {
    let now = 0;
    return { budgets: new KeyBudgets(() => now), advance: (ms: number) => (now += ms) };
  };

  it('lets a second of events through at once, then refuses with the seconds to wait', () => {
    const { budgets, advance } = clocked();
    expect(budgets.take('k', 10, 10)).toEqual({ ok: true });
    expect(budgets.take('k', 10, 1)).toEqual({ ok: false, retryAfterS: 1 });
    advance(100);
    expect(budgets.take('k', 10, 1)).toEqual({ ok: true });
    expect(budgets.take('other', 10, 10)).toEqual({ ok: true });
  });

  it('passes a request larger than a burst only when full, and makes the key wait for the debt', () => {
    const { budgets, advance } = clocked();
    expect(budgets.take('k', 10, 50)).toEqual({ ok: true });
    const refused = budgets.take('k', 10, 1);
    expect(refused).toEqual({ ok: false, retryAfterS: 5 });
    advance(4_000);
    expect(budgets.take('k', 10, 1).ok).toBe(false);
    advance(1_100);
    expect(budgets.take('k', 10, 1).ok).toBe(true);
  });

  it('holds to the rate on average', () => {
    const { budgets, advance } = clocked();
    let passed = 0;
    for (let ms = 0; ms < 10_000; ms += 10) {
      if (budgets.take('k', 100, 3).ok) passed += 3;
      advance(10);
    }
    expect(passed).toBeGreaterThanOrEqual(1_000);
    expect(passed).toBeLessThanOrEqual(1_100);
  });

  it('does not limit a key without a rate', () => {
    expect(new KeyBudgets(() => 0).take('k', 0, 1e6)).toEqual({ ok: true });
  });
});
