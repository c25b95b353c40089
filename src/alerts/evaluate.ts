import { createHash } from 'node:crypto';
import type { AlertRule } from './rules.js';

export type Labels = Record<string, string>;

/** Where one alert (a rule and one set of labels) stands: like Alertmanager's pending, firing, resolved. */
export interface AlertState {
  rule: string;
  labels: Labels;
  state: 'pending' | 'firing' | 'resolved';
  /** When the condition started to hold (ms). */
  activeAt: number;
  /** When it fired (ms); set once firing. */
  startsAt?: number;
  /** When it resolved (ms). */
  endsAt?: number;
  value: number;
}

/** A change of state; `to: 'inactive'` is a pending alert whose condition stopped before `for`. */
export interface Transition {
  key: string;
  from: AlertState['state'] | 'inactive';
  to: AlertState['state'] | 'inactive';
  alert: AlertState;
}

/** A row the rule's query returned: every column but `value` is a label. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** A stable id of an alert within its rule: the rule and its labels, sorted. */
export function alertKey(rule: string, labels: Labels): string {
  const canonical = JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
  return `${rule}.${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

export function breaches(rule: Pick<AlertRule, 'threshold'>, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  return rule.threshold.op === 'above' ? value > rule.threshold.value : value < rule.threshold.value;
}

/** Turns query rows into samples: labels as strings, `value` as a number. */
export function samplesOf(rows: Array<Record<string, unknown>>): Sample[] {
  return rows.map((row) => {
    const labels: Labels = {};
    for (const [k, v] of Object.entries(row)) if (k !== 'value') labels[k] = v === null ? '' : String(v);
    return { labels, value: Number(row.value) };
  });
}

/**
 * The next states of one rule's alerts and the transitions between, from the previous states and
 * this evaluation's samples at `now`. Pure: the caller owns the clock and the storage. A subject
 * breaching goes pending, then firing once it has breached for `for`; a firing one that stops
 * breaching resolves; a resolved one is forgotten at the next evaluation (or goes pending again).
 */
export function evaluate(
  rule: Pick<AlertRule, 'name' | 'threshold' | 'forMs'>,
  previous: ReadonlyMap<string, AlertState>,
  samples: readonly Sample[],
  now: number,
): { next: Map<string, AlertState>; transitions: Transition[] } {
  const next = new Map<string, AlertState>();
  const transitions: Transition[] = [];
  const active = new Map<string, Sample>();
  for (const s of samples) if (breaches(rule, s.value)) active.set(alertKey(rule.name, s.labels), s);

  for (const [key, s] of active) {
    const prev = previous.get(key);
    const ongoing = prev && prev.state !== 'resolved' ? prev : undefined;
    const activeAt = ongoing?.activeAt ?? now;
    const from = ongoing?.state ?? 'inactive';
    let alert: AlertState;
    if (ongoing?.state === 'firing') alert = { ...ongoing, value: s.value };
    else if (now - activeAt >= rule.forMs)
      alert = { rule: rule.name, labels: s.labels, state: 'firing', activeAt, startsAt: now, value: s.value };
    else alert = { rule: rule.name, labels: s.labels, state: 'pending', activeAt, value: s.value };
    next.set(key, alert);
    if (alert.state !== from) transitions.push({ key, from, to: alert.state, alert });
  }

  for (const [key, prev] of previous) {
    if (active.has(key) || prev.state === 'resolved') continue;
    if (prev.state === 'firing') {
      const alert: AlertState = { ...prev, state: 'resolved', endsAt: now };
      next.set(key, alert);
      transitions.push({ key, from: 'firing', to: 'resolved', alert });
    } else {
      transitions.push({ key, from: 'pending', to: 'inactive', alert: { ...prev, endsAt: now } });
    }
  }
  return { next, transitions };
}

/** `{{ labels.x }}`, `{{ value }}`, `{{ labels }}` and `{{ threshold }}` filled in. */
export function renderAnnotations(
  templates: Record<string, string>,
  alert: Pick<AlertState, 'labels' | 'value'>,
  threshold: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, template] of Object.entries(templates)) {
    out[k] = template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, path: string) => {
      if (path === 'value') return formatValue(alert.value);
      if (path === 'threshold') return formatValue(threshold);
      if (path === 'labels')
        return Object.entries(alert.labels)
          .map(([l, v]) => `${l}=${v}`)
          .join(', ');
      if (path.startsWith('labels.')) return alert.labels[path.slice(7)] ?? '';
      return whole;
    });
  }
  return out;
}

const formatValue = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));
