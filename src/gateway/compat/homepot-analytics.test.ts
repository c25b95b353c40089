import { describe, expect, it } from 'vitest';
import { compatRequest, refusal, storedEvents, workerDetail } from '../../../test/helpers/compat-request.js';
import { deviceStateChange, errorLog, jobOutcome, NO_SESSION, userActivity } from './homepot-analytics.js';

describe('HOMEPOT user activity', () => {
  it('maps the documented page view (session from sessionStorage) to an activity of app homepot', () => {
    const events = storedEvents(userActivity, {
      activity_type: 'page_view',
      page_url: '/dashboard',
      session_id: 's-8f2c',
      duration_ms: 1500,
    });
    expect(events).toEqual([
      {
        kind: 'activity',
        key: 'homepot',
        event: { session_id: 's-8f2c', activity_type: 'page_view', page_url: '/dashboard', duration_ms: 1500 },
      },
    ]);
  });

  it('maps the documented search, extra_data becoming metadata, and names no session as "none"', () => {
    const [search] = storedEvents(userActivity, {
      activity_type: 'search',
      page_url: '/dashboard',
      search_query: 'device status',
      extra_data: { results_count: 5 },
    });
    expect(search!.event).toEqual({
      session_id: NO_SESSION,
      activity_type: 'search',
      page_url: '/dashboard',
      search_query: 'device status',
      metadata: { results_count: 5 },
    });
  });

  it('reads the endpoint payload: element_id, metadata when extra_data is absent, a null session and a user id', () => {
    const [click] = storedEvents(userActivity, {
      activity_type: 'click',
      page_url: '/devices',
      element_id: 'button_export',
      session_id: null,
      user_id: 'user@example.com',
      metadata: { rows: 12 },
    });
    expect(click!.event).toEqual({
      session_id: 'none',
      user_id: 'user@example.com',
      activity_type: 'click',
      page_url: '/devices',
      element_id: 'button_export',
      metadata: { rows: 12 },
    });
  });

  it('takes the app from ?app=', () => {
    expect(storedEvents(userActivity, { activity_type: 'page_view' }, { app: 'homepot-eu' })[0]!.key).toBe('homepot-eu');
  });

  it.each([
    ['a body that is not an object', [], 'the body is a JSON array: send one JSON object'],
    ['no body', null, 'the body is empty'],
    [
      'extra_data that is not an object',
      { activity_type: 'click', extra_data: 'x' },
      'extra_data must be a JSON object, got a JSON string',
    ],
  ])('refuses %s with a clear detail', (_name, body, detail) => {
    expect(refusal(userActivity, body)).toContain(detail);
  });

  it('leaves the activity type to the kind, which names it', () => {
    expect(workerDetail(userActivity, { page_url: '/' })).toBe('schema: /activity_type: Expected required property');
    expect(workerDetail(userActivity, { activity_type: 'Page View' })).toMatch(/^schema: \/activity_type: /);
  });

  it('answers as HOMEPOT did: 201 and {success, message}; a refused event 422 with its detail', () => {
    const request = compatRequest({ activity_type: 'click' });
    expect(userActivity.respond({ accepted: 1, rejected: [] }, request)).toEqual({
      status: 201,
      body: { success: true, message: 'Activity logged' },
    });
    expect(
      userActivity.respond(
        { accepted: 0, rejected: [{ index: 0, reason: 'schema', detail: '/activity_type: Expected required property' }] },
        request,
      ),
    ).toEqual({ status: 422, body: { success: false, detail: 'schema: /activity_type: Expected required property' } });
  });
});

describe('HOMEPOT errors', () => {
  it('maps the documented frontend error: error_message, stack_trace and context', () => {
    const [error] = storedEvents(errorLog, {
      category: 'frontend',
      severity: 'error',
      error_message: "Cannot read properties of undefined (reading 'id')",
      stack_trace: 'TypeError: Cannot read …\n    at render (app.js:10:5)',
      context: { url: 'https://homepot.example/devices', user_agent: 'Mozilla/5.0' },
    });
    expect(error).toEqual({
      kind: 'error',
      key: 'homepot',
      event: {
        category: 'frontend',
        severity: 'error',
        message: "Cannot read properties of undefined (reading 'id')",
        stack: 'TypeError: Cannot read …\n    at render (app.js:10:5)',
        context: { url: 'https://homepot.example/devices', user_agent: 'Mozilla/5.0' },
      },
    });
  });

  it('maps the endpoint payload: error_code to code; endpoint, user_id and device_id into context', () => {
    const [error] = storedEvents(errorLog, {
      category: 'api',
      severity: 'critical',
      error_code: 'AUTH_001',
      error_message: 'Authentication failed',
      endpoint: '/api/v1/auth/login',
      user_id: 'user@example.com',
      device_id: 'device-123',
      context: { attempt: 3 },
    });
    expect(error!.event).toEqual({
      category: 'api',
      severity: 'critical',
      code: 'AUTH_001',
      message: 'Authentication failed',
      context: { attempt: 3, endpoint: '/api/v1/auth/login', user_id: 'user@example.com', device_id: 'device-123' },
    });
  });

  it("fills HOMEPOT's own defaults for a missing category, severity and message", () => {
    expect(storedEvents(errorLog, { stack_trace: null })[0]!.event).toEqual({
      category: 'unknown',
      severity: 'error',
      message: 'Unknown error',
    });
  });

  it('cuts a stack trace longer than the kind keeps instead of losing the error', () => {
    const [error] = storedEvents(errorLog, { error_message: 'boom', stack_trace: 'x'.repeat(20_000) });
    expect((error!.event.stack as string).length).toBe(8192);
  });

  it('leaves a severity HOMEPOT never had to the kind, which lists the allowed ones', () => {
    expect(workerDetail(errorLog, { severity: 'fatal', error_message: 'x' })).toBe(
      'schema: /severity: "fatal" is not one of "critical", "error", "warning", "info"',
    );
  });

  it('answers 201 {success, message: "Error logged"}', () => {
    expect(errorLog.respond({ accepted: 1, rejected: [] }, compatRequest({}))).toEqual({
      status: 201,
      body: { success: true, message: 'Error logged' },
    });
  });
});

describe('HOMEPOT device state changes', () => {
  it('maps the documented change: device_id is the key, new_state the state, extra_data the metadata', () => {
    const events = storedEvents(deviceStateChange, {
      device_id: 'device-123',
      previous_state: 'online',
      new_state: 'offline',
      changed_by: 'system',
      reason: 'Network timeout',
      extra_data: { last_seen: '2025-12-01T10:00:00Z' },
    });
    expect(events).toEqual([
      {
        kind: 'state',
        key: 'device-123',
        event: {
          state: 'offline',
          previous_state: 'online',
          changed_by: 'system',
          reason: 'Network timeout',
          metadata: { last_seen: '2025-12-01T10:00:00Z' },
        },
      },
    ]);
  });

  it('reads metadata when extra_data is absent', () => {
    expect(storedEvents(deviceStateChange, { device_id: 'd1', new_state: 'online', metadata: { firmware: '2.1' } })[0]!.event).toEqual({
      state: 'online',
      metadata: { firmware: '2.1' },
    });
  });

  it.each([
    [{ new_state: 'offline' }, 'device_id is missing: it must be a non-empty string (the device, the subject key)'],
    [{ device_id: 'd1' }, 'new_state is missing: it must be a non-empty string (the state the device is in now)'],
    [{ device_id: 'd1', new_state: '' }, 'new_state is empty'],
    [{ device_id: { id: 1 }, new_state: 'on' }, 'device_id is a JSON object'],
  ])('refuses %j', (body, detail) => {
    expect(refusal(deviceStateChange, body)).toContain(detail);
  });

  it('leaves a device id that is no subject token to the key check', () => {
    expect(workerDetail(deviceStateChange, { device_id: 'site.1', new_state: 'on' })).toMatch(/^bad_key: /);
  });
});

describe('HOMEPOT job outcomes', () => {
  it('maps the documented outcome: job_type is the key', () => {
    const events = storedEvents(jobOutcome, {
      job_id: 'job-456',
      job_type: 'device_restart',
      device_id: 'device-123',
      status: 'success',
      duration_ms: 5000,
      initiated_by: 'user@example.com',
    });
    expect(events).toEqual([
      {
        kind: 'job',
        key: 'device_restart',
        event: { job_id: 'job-456', status: 'success', duration_ms: 5000, device_id: 'device-123', initiated_by: 'user@example.com' },
      },
    ]);
  });

  it('maps a failed run: "failed" to failure, error_message into metadata', () => {
    const [job] = storedEvents(jobOutcome, {
      job_id: 'job-457',
      job_type: 'update',
      device_id: 'device-123',
      status: 'failed',
      duration_ms: 30_000,
      error_code: 'TIMEOUT_001',
      error_message: 'Device did not respond',
      retry_count: 2,
      initiated_by: 'scheduler',
      metadata: { firmware: '2.1' },
    });
    expect(job!.event).toEqual({
      job_id: 'job-457',
      status: 'failure',
      duration_ms: 30_000,
      device_id: 'device-123',
      error_code: 'TIMEOUT_001',
      retry_count: 2,
      initiated_by: 'scheduler',
      metadata: { firmware: '2.1', error_message: 'Device did not respond' },
    });
  });

  it('refuses a body without a job type', () => {
    expect(refusal(jobOutcome, { job_id: 'j', status: 'success', duration_ms: 1 })).toBe(
      'job_type is missing: it must be a non-empty string (the job type, the subject key)',
    );
  });

  it('leaves a missing duration to the kind, which needs one', () => {
    expect(workerDetail(jobOutcome, { job_id: 'j', job_type: 'restart', status: 'success' })).toBe(
      'schema: /duration_ms: Expected required property',
    );
  });

  it('answers 201 {success, message: "Job outcome logged"}', () => {
    expect(jobOutcome.respond({ accepted: 1, rejected: [] }, compatRequest({}))).toEqual({
      status: 201,
      body: { success: true, message: 'Job outcome logged' },
    });
  });
});
