import type { AlertRule } from './rules.js';
import { renderAnnotations, type AlertState, type Transition } from './evaluate.js';

/** What is published on FIRING and RESOLVED, and recorded (any state) in the `alerts` table. */
export interface AlertEvent {
  rule: string;
  severity: string;
  state: 'pending' | 'firing' | 'resolved' | 'inactive';
  labels: Record<string, string>;
  value: number;
  threshold: number;
  starts_at: string | null;
  ends_at: string | null;
  annotations: Record<string, string>;
  /** Rule + labels + state + start: the Nats-Msg-Id and the ClickHouse insert deduplication token. */
  id: string;
  at: string;
  previous_state: Transition['from'];
  active_at: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function alertEvent(
  rule: Pick<AlertRule, 'name' | 'severity' | 'threshold' | 'annotations'>,
  t: Transition,
  now: number,
): AlertEvent {
  const a: AlertState = t.alert;
  const start = a.startsAt ?? a.activeAt;
  return {
    rule: rule.name,
    severity: rule.severity,
    state: t.to,
    labels: a.labels,
    value: a.value,
    threshold: rule.threshold.value,
    starts_at: iso(a.startsAt),
    ends_at: iso(a.endsAt),
    annotations: renderAnnotations(rule.annotations, a, rule.threshold.value),
    id: `${t.key}.${t.to}.${start}`,
    at: new Date(now).toISOString(),
    previous_state: t.from,
    active_at: new Date(a.activeAt).toISOString(),
  };
}

/** Only these two reach NATS and the receivers; pending and inactive are history only. */
export const announced = (e: AlertEvent): boolean => e.state === 'firing' || e.state === 'resolved';
