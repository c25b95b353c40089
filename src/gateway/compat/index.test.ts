import { describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { compatRoutes } from './index.js';

describe('the replaced systems’ routes', () => {
  it('serve every endpoint of issue 26 once, at its own path', () => {
    expect(compatRoutes.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/v1/analytics/user-activity',
      'POST /api/v1/analytics/error',
      'POST /api/v1/analytics/device-state-change',
      'POST /api/v1/analytics/job-outcome',
      'POST /metrics/events',
      'POST /api/v1/register',
      'POST /api/v1/validate',
      'POST /api/v1/heartbeat',
      'POST /api/v1/data',
      'GET /api/v1/status',
    ]);
  });

  it('describe every POST body with a schema that compiles, for /openapi.json', () => {
    for (const route of compatRoutes) {
      expect(route.summary.length, route.url).toBeGreaterThan(10);
      if (route.method === 'GET') continue;
      expect(route.body, route.url).toBeDefined();
      expect(() => TypeCompiler.Compile(route.body!), route.url).not.toThrow();
    }
  });
});
