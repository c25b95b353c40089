import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { call, createKey, gatewayConfig, type Answer } from '../helpers/gateway.js';
import { TIMETRACKER_INSTANCE, timetrackerRegistration } from '../helpers/compat-request.js';

const INSTANCE = TIMETRACKER_INSTANCE;
const registration = timetrackerRegistration;

/**
 * The replaced systems' endpoints through the real gateway (served by a worker) with the bodies
 * their documents show: each answer as the old system gave it, and each event stored in its kind's
 * table with the columns docs/gateway-compat.md's table names.
 */
describe("the replaced systems' endpoints, posted and stored", () => {
  let t: SiftTestEnv;
  let worker: Worker;
  let url: string;
  let db: string;
  const secrets: Record<string, string> = {};
  const post = (path: string, json: unknown, headers: Record<string, string>) => call(`${url}${path}`, { headers, json });
  const homepot = () => ({ authorization: `Bearer ${secrets.homepot}` });
  const metricsService = () => ({ authorization: `Bearer ${secrets.metrics}` });
  // TimeTracker's client sends its key as X-API-Key.
  const timetracker = () => ({ 'x-api-key': secrets.timetracker! });
  const query = <T = Record<string, unknown>>(sql: string) => rows<T>(worker.clickhouse, sql);
  const answered = (answer: Answer) => ({ status: answer.status, body: answer.body });

  beforeAll(async () => {
    t = await siftTestEnv();
    db = t.config.clickhouse.database;
    // The keys docs/gateway-compat.md tells each system to use.
    secrets.homepot = await createKey(t, { name: 'homepot', kinds: ['state', 'job', 'error', 'activity'] });
    secrets.metrics = await createKey(t, { name: 'metrics-service', kinds: ['usage'] });
    secrets.timetracker = await createKey(t, { name: 'timetracker', kinds: ['heartbeat', 'usage'] });
    worker = await Worker.start(gatewayConfig(t, { GATEWAY_ENABLED: 'true' }), testLogger);
    url = `http://127.0.0.1:${worker.gateway!.port}`;
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('answers every endpoint as the replaced system did', async () => {
    // HOMEPOT's frontend: the documented page view and search.
    expect(
      answered(
        await post(
          '/api/v1/analytics/user-activity',
          { activity_type: 'page_view', page_url: '/dashboard', session_id: 's-8f2c', duration_ms: 1500 },
          homepot(),
        ),
      ),
    ).toEqual({ status: 201, body: { success: true, message: 'Activity logged' } });
    expect(
      answered(
        await post(
          '/api/v1/analytics/user-activity',
          { activity_type: 'search', page_url: '/dashboard', search_query: 'device status', extra_data: { results_count: 5 } },
          homepot(),
        ),
      ),
    ).toEqual({ status: 201, body: { success: true, message: 'Activity logged' } });
    // HOMEPOT's error boundary.
    expect(
      answered(
        await post(
          '/api/v1/analytics/error',
          {
            category: 'frontend',
            severity: 'error',
            error_message: "Cannot read properties of undefined (reading 'id')",
            stack_trace: 'TypeError: Cannot read …\n    at render (app.js:10:5)',
            context: { url: 'https://homepot.example/devices', user_agent: 'Mozilla/5.0' },
          },
          homepot(),
        ),
      ),
    ).toEqual({ status: 201, body: { success: true, message: 'Error logged' } });
    // HOMEPOT's backend: the documented state change and job outcome.
    expect(
      answered(
        await post(
          '/api/v1/analytics/device-state-change',
          {
            device_id: 'device-123',
            previous_state: 'online',
            new_state: 'offline',
            changed_by: 'system',
            reason: 'Network timeout',
            extra_data: { last_seen: '2025-12-01T10:00:00Z' },
          },
          homepot(),
        ),
      ),
    ).toEqual({ status: 201, body: { success: true, message: 'State change logged' } });
    expect(
      answered(
        await post(
          '/api/v1/analytics/job-outcome',
          {
            job_id: 'job-456',
            job_type: 'device_restart',
            device_id: 'device-123',
            status: 'success',
            duration_ms: 5000,
            initiated_by: 'user@example.com',
          },
          homepot(),
        ),
      ),
    ).toEqual({ status: 201, body: { success: true, message: 'Job outcome logged' } });

    // The metrics service's documented event.
    const event = await post(
      '/metrics/events',
      { event_type: 'user_login', user_id: 1, metadata: { browser: 'chrome', ip: '192.168.1.1' } },
      metricsService(),
    );
    expect(event.status).toBe(201);
    expect(event.body).toEqual({
      event_type: 'user_login',
      user_id: 1,
      metadata: { browser: 'chrome', ip: '192.168.1.1' },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    // TimeTracker's client: register, validate, heartbeat, data, status.
    expect(answered(await post('/api/v1/register', registration, timetracker()))).toEqual({
      status: 201,
      body: { success: true, instance_id: INSTANCE, message: 'Instance registered' },
    });
    expect(
      answered(
        await post(
          '/api/v1/validate',
          { app_identifier: 'timetracker', license_id: 'NO-LICENSE-REQUIRED', instance_id: INSTANCE },
          timetracker(),
        ),
      ),
    ).toEqual({ status: 200, body: { valid: true, license_required: false, instance_id: INSTANCE } });
    expect(answered(await post('/api/v1/heartbeat', { instance_id: INSTANCE }, timetracker()))).toEqual({
      status: 200,
      body: { success: true, instance_id: INSTANCE },
    });
    expect(
      answered(
        await post(
          '/api/v1/data',
          {
            app_identifier: 'timetracker',
            instance_id: INSTANCE,
            data: [{ key: 'usage_event', value: 'feature_used', type: 'string', metadata: { feature: 'dashboard' } }],
          },
          timetracker(),
        ),
      ),
    ).toEqual({ status: 200, body: { success: true, received: 1, rejected: [] } });
    expect(answered(await call(`${url}/api/v1/status`, { headers: timetracker() }))).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers a body it cannot use, and events the kinds refuse, with the documented errors', async () => {
    expect(answered(await post('/api/v1/analytics/device-state-change', { device_id: 'device-123' }, homepot()))).toEqual({
      status: 400,
      body: { error: 'bad_request', message: 'new_state is missing: it must be a non-empty string (the state the device is in now)' },
    });
    expect(
      answered(await post('/api/v1/analytics/job-outcome', { job_id: 'j', job_type: 'restart', status: 'success' }, homepot())),
    ).toEqual({ status: 422, body: { success: false, detail: 'schema: /duration_ms: Expected required property' } });
    const metrics = await post('/metrics/events', { event_type: 'e'.repeat(200) }, metricsService());
    expect(metrics.status).toBe(422);
    expect(metrics.body.detail).toMatch(/^schema: \/event: /);
    expect(answered(await post('/api/v1/data', { app_identifier: 'timetracker', data: { key: 'a' } }, timetracker()))).toEqual({
      status: 400,
      body: { error: 'bad_request', message: 'data is a JSON object: it must be an array of data points' },
    });
    const data = await post(
      '/api/v1/data',
      { app_identifier: 'timetracker', instance_id: INSTANCE, data: [{ key: 'usage_event', value: 'e'.repeat(200) }] },
      timetracker(),
    );
    expect(data.status).toBe(400);
    expect(data.body).toMatchObject({
      success: false,
      details: expect.stringMatching(/^schema: \/event: /),
      rejected: [{ index: 0, reason: 'schema' }],
    });
    // A key is scoped as on every route: the metrics service's key may not send HOMEPOT's states.
    const scoped = await post('/api/v1/analytics/device-state-change', { device_id: 'device-9', new_state: 'online' }, metricsService());
    expect(scoped.status).toBe(403);
    expect(scoped.body.error).toBe('out_of_scope');
  });

  it('stores each event under the subject key and in the columns of the mapping table', async () => {
    await worker.untilIdle();
    const activity = await query(
      `SELECT app, session_id, activity_type, page_url, search_query, duration_ms, metadata FROM ${db}.user_activity ORDER BY activity_type`,
    );
    expect(activity).toMatchObject([
      { app: 'homepot', session_id: 's-8f2c', activity_type: 'page_view', page_url: '/dashboard', duration_ms: 1500 },
      { app: 'homepot', session_id: 'none', activity_type: 'search', page_url: '/dashboard', search_query: 'device status' },
    ]);
    expect(JSON.stringify(activity[1]!.metadata)).toContain('results_count');

    const errors = await query<{ source: string; category: string; severity: string; message: string; stack: string; context: unknown }>(
      `SELECT source, category, severity, message, stack, context FROM ${db}.errors`,
    );
    expect(errors).toMatchObject([
      { source: 'homepot', category: 'frontend', severity: 'error', message: "Cannot read properties of undefined (reading 'id')" },
    ]);
    expect(errors[0]!.stack).toContain('at render (app.js:10:5)');
    expect(JSON.stringify(errors[0]!.context)).toContain('https://homepot.example/devices');

    const states = await query(`SELECT device_id, state, previous_state, changed_by, reason, metadata FROM ${db}.device_states`);
    expect(states).toMatchObject([
      { device_id: 'device-123', state: 'offline', previous_state: 'online', changed_by: 'system', reason: 'Network timeout' },
    ]);
    expect(JSON.stringify(states[0]!.metadata)).toContain('2025-12-01T10:00:00Z');

    expect(await query(`SELECT job_type, job_id, status, duration_ms, device_id, initiated_by FROM ${db}.job_outcomes`)).toEqual([
      {
        job_type: 'device_restart',
        job_id: 'job-456',
        status: 'success',
        duration_ms: 5000,
        device_id: 'device-123',
        initiated_by: 'user@example.com',
      },
    ]);

    const usage = await query<{ app: string; event: string; feature: string; user_id: string; instance_id: string; properties: unknown }>(
      `SELECT app, event, feature, user_id, instance_id, properties FROM ${db}.usage_events ORDER BY app`,
    );
    expect(usage).toMatchObject([
      { app: 'metrics-service', event: 'user_login', user_id: '1' },
      { app: 'timetracker', event: 'feature_used', feature: 'dashboard', instance_id: INSTANCE },
    ]);
    expect(JSON.stringify(usage[0]!.properties)).toContain('192.168.1.1');

    // Registration and heartbeat: two beats of the instance, the first carrying its system information.
    expect(
      await query(
        `SELECT instance_id, app, version, status, os, os_version, arch, hostname, runtime, runtime_version FROM ${db}.heartbeats ORDER BY ts, stream_seq`,
      ),
    ).toEqual([
      {
        instance_id: INSTANCE,
        app: 'timetracker',
        version: '1.0.0',
        status: 'registered',
        os: 'Linux',
        os_version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1',
        arch: 'x86_64',
        hostname: 'tt-host',
        runtime: 'python',
        runtime_version: '3.12.3',
      },
      {
        instance_id: INSTANCE,
        app: 'timetracker',
        version: '',
        status: '',
        os: '',
        os_version: '',
        arch: '',
        hostname: '',
        runtime: '',
        runtime_version: '',
      },
    ]);

    // Nothing refused above reached the stream: no dead letters.
    const dlq = await worker.backlogStatus();
    expect(dlq.deadLetters).toBe(0);
  });
});
