import { describe, expect, it } from 'vitest';
import { alertKey, evaluate, renderAnnotations, type AlertState } from './evaluate.js';

const rule = { name: 'high_error_rate', threshold: { op: 'above' as const, value: 0.05 }, forMs: 600 };
const orders = { labels: { endpoint: '/orders' }, value: 0.2 };
const users = { labels: { endpoint: '/users' }, value: 0.01 };

/** Runs evaluations at the given clock times, feeding each its samples; returns every step's transitions. */
function run(steps: Array<[number, Array<{ labels: Record<string, string>; value: number }>]>) {
  let states = new Map<string, AlertState>();
  return steps.map(([now, samples]) => {
    const { next, transitions } = evaluate(rule, states, samples, now);
    states = next;
    return { states: next, moves: transitions.map((t) => `${t.alert.labels.endpoint}:${t.from}->${t.to}`) };
  });
}

describe('evaluate', () => {
  it('goes pending, fires after `for`, stays firing without a repeat, then resolves and is forgotten', () => {
    const steps = run([
      [0, [orders, users]],
      [300, [orders, users]],
      [600, [orders]],
      [800, [orders]],
      [1000, [users]],
      [1200, []],
    ]);
    expect(steps.map((s) => s.moves)).toEqual([
      ['/orders:inactive->pending'],
      [],
      ['/orders:pending->firing'],
      [],
      ['/orders:firing->resolved'],
      [],
    ]);
    const fired = steps[2]!.states.get(alertKey('high_error_rate', { endpoint: '/orders' }))!;
    expect(fired).toMatchObject({ state: 'firing', activeAt: 0, startsAt: 600 });
    expect(steps[4]!.states.get(alertKey('high_error_rate', { endpoint: '/orders' }))).toMatchObject({
      state: 'resolved',
      startsAt: 600,
      endsAt: 1000,
    });
    expect(steps[5]!.states.size).toBe(0);
  });

  it('drops a pending alert whose condition stops before `for` (inactive), without firing', () => {
    expect(
      run([
        [0, [orders]],
        [300, []],
        [900, []],
      ]).map((s) => s.moves),
    ).toEqual([['/orders:inactive->pending'], ['/orders:pending->inactive'], []]);
  });

  it('fires at once with for = 0, and a resolved alert that breaches again starts a new pending', () => {
    const now0 = evaluate({ ...rule, forMs: 0 }, new Map(), [orders], 5);
    expect(now0.transitions.map((t) => t.to)).toEqual(['firing']);
    const resolved = evaluate(rule, now0.next, [], 10);
    const again = evaluate(rule, resolved.next, [orders], 20);
    expect(again.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['inactive->pending']);
    expect([...again.next.values()][0]).toMatchObject({ activeAt: 20, state: 'pending' });
  });

  it('honours below thresholds, ignores non-finite values and keys alerts by sorted labels', () => {
    const below = { ...rule, threshold: { op: 'below' as const, value: 0.9 }, forMs: 0 };
    const { transitions } = evaluate(
      below,
      new Map(),
      [
        { labels: { job_type: 'a' }, value: 0.5 },
        { labels: { job_type: 'b' }, value: 0.95 },
        { labels: { job_type: 'c' }, value: NaN },
      ],
      0,
    );
    expect(transitions.map((t) => t.alert.labels.job_type)).toEqual(['a']);
    expect(alertKey('r', { a: '1', b: '2' })).toBe(alertKey('r', { b: '2', a: '1' }));
    expect(alertKey('r', { a: '1' })).not.toBe(alertKey('r', { a: '2' }));
  });

  it('fills annotations from labels and value', () => {
    expect(
      renderAnnotations(
        { summary: '5xx {{ value }} on {{labels.endpoint}} ({{ labels }}) > {{ threshold }}' },
        { labels: { endpoint: '/o', service: 's' }, value: 0.123456 },
        0.05,
      ),
    ).toEqual({ summary: '5xx 0.1235 on /o (endpoint=/o, service=s) > 0.05' });
  });
});
