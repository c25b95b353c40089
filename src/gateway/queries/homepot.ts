import { Type } from '@sinclair/typebox';
import { filterParameter, hoursParameter } from './parameters.js';
import type { QueryRoute } from './query-route.js';

/**
 * HOMEPOT's analytics query endpoints, same paths and parameters, each answered from its
 * parameterized view with the view's own column names as `{"data": [rows]}`.
 */
export const homepotRoutes: QueryRoute[] = [
  {
    url: '/api/v1/metrics/api-performance',
    summary: 'API performance per service, endpoint and method over the last hours (view api_performance)',
    tag: 'HOMEPOT analytics',
    querystring: Type.Object({ hours: hoursParameter(168), endpoint: filterParameter('endpoint') }),
    async answer({ query }, deps) {
      const data = await deps.query(
        'SELECT * FROM api_performance(hours = {hours:UInt32}, endpoint = {endpoint:String}) ORDER BY service, endpoint, method',
        { hours: query.hours, endpoint: query.endpoint },
      );
      return { body: { data } };
    },
  },
  {
    url: '/api/v1/metrics/job-outcomes',
    summary: 'Job outcomes per job type over the last hours: counts by status, success rate, run times (view job_outcome_stats)',
    tag: 'HOMEPOT analytics',
    querystring: Type.Object({ hours: hoursParameter(168), job_type: filterParameter('job type') }),
    async answer({ query }, deps) {
      const data = await deps.query(
        'SELECT * FROM job_outcome_stats(hours = {hours:UInt32}, job_type = {job_type:String}) ORDER BY job_type',
        { hours: query.hours, job_type: query.job_type },
      );
      return { body: { data } };
    },
  },
  {
    url: '/api/v1/metrics/error-trends',
    summary: 'Errors per hour and category over the last hours, critical ones and distinct sources (view error_trends)',
    tag: 'HOMEPOT analytics',
    querystring: Type.Object({ hours: hoursParameter(168), category: filterParameter('category') }),
    async answer({ query }, deps) {
      const data = await deps.query(
        'SELECT * FROM error_trends(hours = {hours:UInt32}, category = {category:String}) ORDER BY bucket, category',
        { hours: query.hours, category: query.category },
      );
      return { body: { data } };
    },
  },
  {
    url: '/api/v1/metrics/device-state-history/:device_id',
    summary: "A device's stored state reports over the last hours, oldest first (view device_state_history)",
    tag: 'HOMEPOT analytics',
    params: Type.Object({
      device_id: Type.String({ minLength: 1, maxLength: 256, description: 'The device: the key of telemetry.state.<device_id>.' }),
    }),
    querystring: Type.Object({ hours: hoursParameter(720) }),
    async answer({ query, params }, deps) {
      const data = await deps.query(
        'SELECT * FROM device_state_history(device_id = {device_id:String}, hours = {hours:UInt32}) ORDER BY ts, stream_seq',
        { device_id: params.device_id, hours: query.hours },
      );
      return { body: { data } };
    },
  },
];
