import type { QueryRoute } from './query-route.js';
import * as sql from './statements.js';

/**
 * The real-time tracker's status endpoints. Its "agents" were the backends users' requests went
 * to, tracked by request count, answer time and errors: in Sift that is a service of the api kind
 * (`telemetry.api.<service>`). Its active users were sessions active in the last 30 minutes.
 */
export const realtimeRoutes: QueryRoute[] = [
  {
    url: '/api/status',
    summary:
      'Live status: active users (sessions of the last 30 minutes), tracked agents (services with requests in the last 24 hours), requests of the last hour',
    tag: 'Real-time tracking',
    async answer(_input, deps) {
      const [[sessions], [agents], [requests]] = await Promise.all([
        deps.query<{ sessions: number; users: number }>(sql.ACTIVE_SESSIONS, {}),
        deps.query<{ agents: number }>(sql.TRACKED_AGENTS, {}),
        deps.query<{ requests: number; errors_5xx: number; error_rate: number | null; avg_response_time_ms: number | null }>(
          sql.REQUESTS_LAST_HOUR,
          {},
        ),
      ]);
      return {
        body: {
          success: true,
          data: {
            status: 'operational',
            timestamp: new Date(deps.now()).toISOString(),
            realTimeMetrics: { activeUsers: sessions!.sessions, trackedAgents: agents!.agents, usingRealData: true },
            sessions: { active: sessions!.sessions, signedInUsers: sessions!.users },
            requests: {
              lastHour: requests!.requests,
              errors5xx: requests!.errors_5xx,
              errorRate: requests!.error_rate,
              avgResponseTime: requests!.avg_response_time_ms,
            },
          },
        },
      };
    },
  },
  {
    url: '/api/status/analytics',
    summary:
      'Usage analytics: overview, per-agent (service) requests, answer times and success rate, hourly and daily history, top features',
    tag: 'Real-time tracking',
    async answer(_input, deps) {
      const q = deps.query;
      const [[sessions], agents, hourly, daily, features] = await Promise.all([
        q<{ sessions: number; users: number }>(sql.ACTIVE_SESSIONS, {}),
        q<{
          name: string;
          requests: number;
          errors_4xx: number;
          errors_5xx: number;
          success_rate: number;
          avg_response_time_ms: number;
          p95_response_time_ms: number;
        }>(sql.AGENTS_24H, {}),
        q<{ bucket: string; requests: number; errors_5xx: number; avg_response_time_ms: number }>(sql.REQUESTS_HOURLY, {}),
        q<{ day: string; users: number; sessions: number }>(sql.ACTIVE_USERS_BY_DAY, {}),
        q<{ app: string; feature: string; events: number }>(sql.FEATURES_24H, {}),
      ]);
      // Number(): a runner that quotes 64-bit integers hands counts over as text.
      const totalRequests = agents.reduce((n, a) => n + Number(a.requests), 0);
      const errors = agents.reduce((n, a) => n + Number(a.errors_5xx), 0);
      const durationSum = agents.reduce((n, a) => n + a.avg_response_time_ms * Number(a.requests), 0);
      return {
        body: {
          success: true,
          timestamp: new Date(deps.now()).toISOString(),
          overview: {
            activeUsers: sessions!.sessions,
            signedInUsers: sessions!.users,
            trackedAgents: agents.length,
            totalRequests,
            errorRate: totalRequests ? errors / totalRequests : null,
            avgResponseTime: totalRequests ? durationSum / totalRequests : null,
          },
          agents: agents.map((a) => ({
            name: a.name,
            requestCount: a.requests,
            successRate: a.success_rate,
            errorCount: a.errors_5xx,
            clientErrorCount: a.errors_4xx,
            avgResponseTime: a.avg_response_time_ms,
            p95ResponseTime: a.p95_response_time_ms,
          })),
          historical: {
            hourly: hourly.map((h) => ({
              hour: h.bucket,
              totalRequests: h.requests,
              errorCount: h.errors_5xx,
              avgResponseTime: h.avg_response_time_ms,
            })),
            daily: daily.map((d) => ({ date: d.day, activeUsers: d.users, sessions: d.sessions })),
          },
          features: features.map((f) => ({ app: f.app, feature: f.feature, events: f.events })),
        },
      };
    },
  },
  {
    url: '/api/status/api-status',
    summary: 'API status per endpoint over the hour buckets of the last hour: requests, errors, error rate, mean and p95 answer time',
    tag: 'Real-time tracking',
    async answer(_input, deps) {
      const rows = await deps.query<{
        service: string;
        endpoint: string;
        method: string;
        requests: number;
        errors_4xx: number;
        errors_5xx: number;
        error_rate: number;
        duration_avg_ms: number;
        duration_p95_ms: number;
      }>(sql.ENDPOINTS_LAST_HOUR, {});
      const totalRequests = rows.reduce((n, r) => n + Number(r.requests), 0);
      const errors = rows.reduce((n, r) => n + Number(r.errors_5xx), 0);
      const durationSum = rows.reduce((n, r) => n + r.duration_avg_ms * Number(r.requests), 0);
      return {
        body: {
          success: true,
          timestamp: new Date(deps.now()).toISOString(),
          summary: {
            totalRequests,
            errorCount: errors,
            errorRate: totalRequests ? errors / totalRequests : null,
            avgResponseTime: totalRequests ? durationSum / totalRequests : null,
          },
          endpoints: rows.map((r) => ({
            service: r.service,
            endpoint: r.endpoint,
            method: r.method,
            requests: r.requests,
            clientErrors: r.errors_4xx,
            errors: r.errors_5xx,
            errorRate: r.error_rate,
            avgResponseTime: r.duration_avg_ms,
            p95ResponseTime: r.duration_p95_ms,
          })),
        },
      };
    },
  },
];
