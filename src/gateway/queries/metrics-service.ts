import type { QueryRoute } from './query-route.js';
import type { QueryDeps } from './query-deps.js';
import * as sql from './statements.js';

/** The metrics service's alert thresholds (ALERT_THRESHOLD_ERROR_RATE, ALERT_THRESHOLD_RESPONSE_TIME), as service health. */
export const HEALTH_THRESHOLDS = { error_rate: 0.05, avg_response_time_ms: 2_000 } as const;

type ServiceStatus = 'healthy' | 'degraded' | 'unhealthy';
const severity: Record<ServiceStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** A service's health from its last hour: over the error-rate threshold is unhealthy, over the answer-time one degraded. */
export function serviceStatus(service: { error_rate: number; avg_response_time_ms: number }): ServiceStatus {
  if (service.error_rate > HEALTH_THRESHOLDS.error_rate) return 'unhealthy';
  if (service.avg_response_time_ms > HEALTH_THRESHOLDS.avg_response_time_ms) return 'degraded';
  return 'healthy';
}

export function worstStatus(statuses: ServiceStatus[]): ServiceStatus {
  return statuses.reduce<ServiceStatus>((worst, s) => (severity[s] > severity[worst] ? s : worst), 'healthy');
}

type Query = QueryDeps['query'];
const one = async <T>(query: Query, statement: string): Promise<T> => (await query<T>(statement, {}))[0]!;

interface ServiceRow {
  service: string;
  requests: number;
  errors_5xx: number;
  error_rate: number;
  avg_response_time_ms: number;
  p95_response_time_ms: number;
  last_request: string;
}

/** What the metrics service's summary and dashboard share: users, sessions, requests, errors, registrations. */
async function summary(query: Query) {
  const [active_users, active_sessions, requests, errors, registrations] = await Promise.all([
    one(query, sql.ACTIVE_USERS),
    one(query, sql.ACTIVE_SESSIONS),
    one<Record<string, unknown>>(query, sql.REQUESTS_LAST_HOUR),
    one<Record<string, unknown>>(query, sql.ERRORS_24H),
    one(query, sql.REGISTRATIONS),
  ]);
  return {
    active_users,
    active_sessions,
    requests: { window_hours: 1, ...requests },
    errors: { window_hours: 24, ...errors },
    registrations,
  };
}

/** The metrics service's read endpoints, answered from the activity, api, error, job, usage, heartbeat and state kinds. */
export const metricsServiceRoutes: QueryRoute[] = [
  {
    url: '/metrics/summary',
    summary:
      'Active users (daily, weekly, monthly), sessions now, API requests and error rate of the last hour, errors of the last day, registrations',
    tag: 'Metrics service',
    async answer(_input, deps) {
      return { body: { generated_at: new Date(deps.now()).toISOString(), ...(await summary(deps.query)) } };
    },
  },
  {
    url: '/metrics/services/health',
    summary: 'Health of every service that reported API requests in the last hour: requests, error rate, mean and p95 answer time',
    tag: 'Metrics service',
    async answer(_input, deps) {
      const rows = await deps.query<ServiceRow>(sql.SERVICES_LAST_HOUR, {});
      const services = rows.map((row) => ({ ...row, status: serviceStatus(row) }));
      return {
        body: {
          generated_at: new Date(deps.now()).toISOString(),
          window_hours: 1,
          thresholds: HEALTH_THRESHOLDS,
          status: worstStatus(services.map((s) => s.status)),
          services,
        },
      };
    },
  },
  {
    url: '/metrics/dashboard',
    summary:
      'Everything the analytics dashboard shows: users by day, apps, API trends per service, busiest endpoints, errors by category, jobs, features, silent instances, devices by state',
    tag: 'Metrics service',
    async answer(_input, deps) {
      const q = deps.query;
      const [
        head,
        active_users_by_day,
        apps,
        services_hourly,
        top_endpoints,
        errors_by_category,
        jobs,
        features,
        silent_instances,
        device_states,
      ] = await Promise.all([
        summary(q),
        q(sql.ACTIVE_USERS_BY_DAY, {}),
        q(sql.APPS_TODAY, {}),
        q(sql.SERVICES_HOURLY, {}),
        q(sql.TOP_ENDPOINTS, {}),
        q(sql.ERRORS_BY_CATEGORY, {}),
        q(sql.JOBS_24H, {}),
        q(sql.FEATURES_24H, {}),
        q(sql.SILENT_INSTANCES, {}),
        q(sql.DEVICE_STATES, {}),
      ]);
      return {
        body: {
          generated_at: new Date(deps.now()).toISOString(),
          ...head,
          active_users_by_day,
          apps,
          api: { services_hourly, top_endpoints },
          errors_by_category,
          jobs,
          features,
          silent_instances,
          device_states,
        },
      };
    },
  },
  {
    url: '/health',
    summary: 'Basic health: the gateway answers (no query)',
    tag: 'Metrics service',
    async answer(_input, deps) {
      return { body: { status: 'healthy', service: 'sift', timestamp: new Date(deps.now()).toISOString() } };
    },
  },
  {
    url: '/health/detailed',
    summary:
      "Detailed health: ClickHouse answering and how fast, the newest data of each kind, the hosting worker's backlog and dead letters",
    tag: 'Metrics service',
    async answer(_input, deps) {
      const started = deps.now();
      const database = await deps.query<{ kind: string; latest: string | null }>(sql.FRESHNESS, {}).then(
        (freshness) => ({ status: 'healthy' as const, latency_ms: deps.now() - started, freshness }),
        (error: unknown) => ({ status: 'unhealthy' as const, error: oneLine(error) }),
      );
      const worker = deps.workerStatus
        ? await deps.workerStatus().then(
            (s) => ({ status: 'healthy' as const, backlog: s.backlog, dead_letters: s.deadLetters, partitions: s.partitions }),
            (error: unknown) => ({ status: 'unhealthy' as const, error: oneLine(error) }),
          )
        : undefined;
      const status = worker?.status === 'unhealthy' || database.status === 'unhealthy' ? 'unhealthy' : 'healthy';
      return {
        status: status === 'healthy' ? 200 : 503,
        body: {
          status,
          service: 'sift',
          timestamp: new Date(deps.now()).toISOString(),
          checks: { database, ...(worker ? { worker } : {}) },
        },
      };
    },
  },
];

/** An error as one line for a health answer (the runner's messages name the failing statement, never a secret). */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}
