import type { ClickHouseClient } from '@clickhouse/client';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../telemetry/logger.js';
import type { SiftMetrics } from '../telemetry/metrics.js';
import type { SiftConfig } from '../config/load.js';
import { evaluate, samplesOf, type AlertState } from './evaluate.js';
import { alertEvent, announced, type AlertEvent } from './event.js';
import { AlertStateConflict, AlertStateStore, type AlertRecord, type StoredRecord } from './state-store.js';
import { AlertPublisher, provisionAlertStream, recordTransition } from './publisher.js';
import { Notifier, receivers } from './notify.js';
import type { AlertRule } from './rules.js';
import { ALERT_QUERY_LIMITS, checkReadOnly, QueryRefused, runReadOnly, SELECT_ONLY } from '../sinks/clickhouse/read-only-query.js';

/** A rule whose query ClickHouse cannot plan: one line naming the rule. */
export class AlertQueryError extends Error {
  override name = 'AlertQueryError';
}

export interface AlertEngineOptions {
  nc: NatsConnection;
  clickhouse: ClickHouseClient;
  config: SiftConfig;
  rules: AlertRule[];
  metrics: Pick<SiftMetrics, 'alertsFiring' | 'alertEvaluationDuration' | 'alertEvaluationFailures' | 'alertNotificationFailures'>;
  log: Logger;
  /** Whether this process evaluates now (the leader among the live workers). */
  isLeader(): boolean;
  now?: () => number;
}

/** Alertmanager forgets a firing alert it has not heard of for resolve_timeout: resend like Prometheus does. */
const ALERTMANAGER_RESEND_MS = 60_000;

/**
 * Evaluates every rule on its own `every`, when this process leads: reads the rule's alert states
 * from KV, runs its query, computes transitions, writes them back with revision checks, then
 * delivers what was decided (NATS event, `alerts` row, receivers) and clears that outbox. A leader
 * that dies between the write and the delivery leaves the outbox for the next one.
 */
export class AlertEngine {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly publisher: AlertPublisher;
  private readonly notifier: Notifier;
  private readonly resentToAlertmanager = new Map<string, number>();
  private stopped = false;
  private constructor(
    private readonly o: AlertEngineOptions,
    private readonly store: AlertStateStore,
  ) {
    const a = o.config.alerts;
    this.publisher = new AlertPublisher(o.nc, a.subjectPrefix);
    this.notifier = new Notifier(receivers(a), {
      attempts: a.notifyAttempts,
      backoffMs: a.notifyBackoffMs,
      log: o.log,
      failed: (receiver) => o.metrics.alertNotificationFailures.inc({ receiver }),
    });
  }

  /** Checks every query with EXPLAIN, provisions the stream and KV bucket; then `start()` schedules. */
  static async open(o: AlertEngineOptions): Promise<AlertEngine> {
    for (const rule of o.rules) await explain(o.clickhouse, o.config.clickhouse.database, rule);
    const { nats, alerts } = o.config;
    await provisionAlertStream(o.nc, {
      stream: alerts.stream,
      subjectPrefix: alerts.subjectPrefix,
      storage: nats.storage as 'file' | 'memory',
      replicas: nats.replicas,
      create: nats.provision,
    });
    const engine = new AlertEngine(o, await AlertStateStore.open(o.nc, alerts.kvBucket, nats.replicas));
    for (const rule of o.rules) o.metrics.alertsFiring.set({ rule: rule.name, severity: rule.severity }, 0);
    return engine;
  }

  start(): void {
    for (const rule of this.o.rules) {
      const timer = setInterval(() => this.tick(rule), rule.everyMs);
      this.timers.push(timer);
      this.tick(rule);
    }
  }

  private tick(rule: AlertRule): void {
    if (this.stopped || this.running.has(rule.name)) return;
    if (!this.o.isLeader()) {
      this.o.metrics.alertsFiring.set({ rule: rule.name, severity: rule.severity }, 0);
      return;
    }
    const run = this.evaluateRule(rule).finally(() => this.running.delete(rule.name));
    this.running.set(rule.name, run);
  }

  /** One evaluation of one rule; failures are counted and logged, never thrown. */
  async evaluateRule(rule: AlertRule): Promise<void> {
    const started = performance.now();
    try {
      const stored = await this.store.load(rule.name);
      await this.deliverOutboxes(stored);
      const previous = new Map<string, AlertState>();
      for (const [key, { record }] of stored) if (record.alert) previous.set(key, record.alert);
      const rows = await query(this.o.clickhouse, this.o.config.clickhouse.database, rule.query);
      const now = (this.o.now ?? Date.now)();
      const { next, transitions } = evaluate(rule, previous, samplesOf(rows), now);
      const events = new Map<string, AlertEvent[]>();
      for (const t of transitions) events.set(t.key, [...(events.get(t.key) ?? []), alertEvent(rule, t, now)]);
      const touched = new Set([
        ...events.keys(),
        ...[...next].filter(([k, a]) => JSON.stringify(a) !== JSON.stringify(previous.get(k))).map(([k]) => k),
      ]);
      // Forgotten resolved alerts: nothing to announce, the entry goes.
      for (const [key, alert] of previous) if (alert.state === 'resolved' && !next.has(key)) touched.add(key);
      // Write every change first (compare-and-set), then deliver: a stale leader fails here, before announcing.
      const written = new Map<string, StoredRecord>();
      for (const key of touched) {
        const old = stored.get(key);
        const record: AlertRecord = { alert: next.get(key) ?? null, outbox: [...(old?.record.outbox ?? []), ...(events.get(key) ?? [])] };
        if (!record.alert && record.outbox.length === 0) {
          if (old) await this.store.remove(key, old.revision);
          continue;
        }
        written.set(key, { record, revision: await this.store.write(key, record, old?.revision ?? 0) });
      }
      await this.deliverOutboxes(written);
      this.o.metrics.alertsFiring.set(
        { rule: rule.name, severity: rule.severity },
        [...next.values()].filter((a) => a.state === 'firing').length,
      );
      this.resendFiring(rule, next, now);
    } catch (error) {
      this.o.metrics.alertEvaluationFailures.inc({ rule: rule.name });
      const level = error instanceof AlertStateConflict ? 'info' : 'warn';
      this.o.log[level]({ rule: rule.name, err: (error as Error).message }, 'alert evaluation failed; retried at the next interval');
    } finally {
      this.o.metrics.alertEvaluationDuration.observe({ rule: rule.name }, (performance.now() - started) / 1000);
    }
  }

  /** Announces and records each decided event, then empties the outbox (or drops a forgotten entry); updates `records` to match. */
  private async deliverOutboxes(records: Map<string, StoredRecord>): Promise<void> {
    for (const [key, { record, revision }] of records) {
      if (record.outbox.length === 0) continue;
      const fresh: AlertEvent[] = [];
      for (const e of record.outbox) {
        if (announced(e) && (await this.publisher.publish(e))) fresh.push(e);
        await recordTransition(this.o.clickhouse, this.o.config.clickhouse.database, e);
      }
      // The map follows the store, so this evaluation's own writes name the current revision.
      if (record.alert)
        records.set(key, {
          record: { alert: record.alert, outbox: [] },
          revision: await this.store.write(key, { alert: record.alert, outbox: [] }, revision),
        });
      else {
        await this.store.remove(key, revision);
        records.delete(key);
      }
      // Receivers hear only what the stream took as new, so a repeat after a failover is not re-sent.
      this.notifier.send(fresh);
      for (const e of fresh) if (e.state === 'firing') this.resentToAlertmanager.set(key, Date.now());
    }
  }

  private resendFiring(rule: AlertRule, next: Map<string, AlertState>, now: number): void {
    const due: AlertEvent[] = [];
    for (const [key, alert] of next) {
      if (alert.state !== 'firing') continue;
      const last = this.resentToAlertmanager.get(key);
      if (last !== undefined && Date.now() - last < ALERTMANAGER_RESEND_MS) continue;
      this.resentToAlertmanager.set(key, Date.now());
      if (last === undefined) continue; // just announced (or taken over): the next round resends
      due.push(alertEvent(rule, { key, from: 'firing', to: 'firing', alert }, now));
    }
    this.notifier.send(due, 'alertmanager');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.running.values());
    await this.notifier.close();
  }
}

/**
 * Runs a rule query in the Sift database (rule authors write view names without it), read-only:
 * one SELECT of Sift's tables, with readonly and the alert limits as the query's own settings.
 * The embedded engine has one session, so USE selects the database there; over HTTP pass a client
 * bound to the database.
 */
export async function query(client: ClickHouseClient, database: string, sql: string): Promise<Array<Record<string, unknown>>> {
  await client.command({ query: `USE ${database}` });
  return runReadOnly(client, sql, {}, { database, limits: ALERT_QUERY_LIMITS, kinds: SELECT_ONLY });
}

const DESCRIBE_ONLY = new Set(['describe'] as const);

/** Checks a rule's query before its first evaluation: read-only, plannable, with a `value` column. */
export async function explain(client: ClickHouseClient, database: string, rule: AlertRule): Promise<void> {
  try {
    await client.command({ query: `USE ${database}` });
    const checked = await checkReadOnly(client, rule.query, {}, { database, limits: ALERT_QUERY_LIMITS, kinds: SELECT_ONLY });
    if (!checked.ok) throw new QueryRefused(`refused: ${checked.reason}`);
    // DESCRIBE plans the query without running it; the wrapped text is checked again like any other.
    const columns = await runReadOnly<{ name: string }>(
      client,
      `DESCRIBE (${checked.statement})`,
      {},
      { database, limits: ALERT_QUERY_LIMITS, kinds: DESCRIBE_ONLY },
    );
    if (!columns.some((c) => c.name === 'value')) throw new Error('the query returns no column named value');
  } catch (error) {
    if (error instanceof QueryRefused) throw new AlertQueryError(`alert rule "${rule.name}": query: ${error.message}`, { cause: error });
    const first = (error as Error).message
      .split('\n')[0]!
      .replace(/\. Expected one of:.*$/, '')
      .replace(/\(version [^)]*\)/, '')
      .trim();
    throw new AlertQueryError(`alert rule "${rule.name}": query: ClickHouse cannot run it: ${first}`, { cause: error });
  }
}
