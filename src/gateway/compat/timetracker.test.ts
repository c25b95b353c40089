import { describe, expect, it } from 'vitest';
import {
  compatRequest,
  refusal,
  storedEvents,
  TIMETRACKER_INSTANCE,
  timetrackerRegistration,
  workerDetail,
} from '../../../test/helpers/compat-request.js';
import { heartbeat, register, status, usageData, validate } from './timetracker.js';

const INSTANCE = TIMETRACKER_INSTANCE;
const registration = timetrackerRegistration;

describe('TimeTracker registration and heartbeats', () => {
  it('turns a registration into a heartbeat of the instance carrying its system information', () => {
    expect(storedEvents(register, registration)).toEqual([
      {
        kind: 'heartbeat',
        key: INSTANCE,
        event: {
          app: 'timetracker',
          version: '1.0.0',
          status: 'registered',
          system: {
            os: 'Linux',
            os_version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1',
            arch: 'x86_64',
            hostname: 'tt-host',
            runtime: 'python',
            runtime_version: '3.12.3',
          },
        },
      },
    ]);
  });

  it('sends no system information when the user turned analytics off', () => {
    const off = { ...registration, system_metadata: { os: 'Unknown', version: 'Unknown', hostname: 'Unknown', analytics_disabled: true } };
    expect(storedEvents(register, off)[0]!.event).toEqual({ app: 'timetracker', version: '1.0.0', status: 'registered' });
  });

  it('cuts system text longer than the kind keeps rather than losing the registration', () => {
    const long = { ...registration, system_metadata: { os: 'Windows', version: 'v'.repeat(300), machine: 'AMD64' } };
    expect((storedEvents(register, long)[0]!.event.system as Record<string, string>).os_version).toHaveLength(128);
  });

  it('answers a registration with the instance id the client keeps', () => {
    expect(register.respond({ accepted: 1, rejected: [] }, compatRequest(registration))).toEqual({
      status: 201,
      body: { success: true, instance_id: INSTANCE, message: 'Instance registered' },
    });
  });

  it("turns the heartbeat's lone instance_id into a beat of app timetracker, or ?app=", () => {
    expect(storedEvents(heartbeat, { instance_id: INSTANCE })).toEqual([
      { kind: 'heartbeat', key: INSTANCE, event: { app: 'timetracker' } },
    ]);
    expect(storedEvents(heartbeat, { instance_id: INSTANCE }, { app: 'tt-eu' })[0]!.event).toEqual({ app: 'tt-eu' });
  });

  it('answers a beat with content: the client reads an empty JSON object as a failure', () => {
    const answer = heartbeat.respond({ accepted: 1, rejected: [] }, compatRequest({ instance_id: INSTANCE }));
    expect(answer).toEqual({ status: 200, body: { success: true, instance_id: INSTANCE } });
  });

  it.each([
    [register, { app_identifier: 'timetracker' }, 'instance_id is missing: it must be a non-empty string (the instance, the subject key)'],
    [heartbeat, {}, 'instance_id is missing'],
    [heartbeat, '', 'the body is a JSON string'],
  ])('refuses a body without an instance', (route, body, detail) => {
    expect(refusal(route, body)).toContain(detail);
  });

  it('answers a refused beat with the error and details the client logs', () => {
    const refused = register.respond(
      { accepted: 0, rejected: [{ index: 0, reason: 'bad_key', detail: 'key holds a dot' }] },
      compatRequest(registration),
    );
    expect(refused).toMatchObject({
      status: 400,
      body: { success: false, error: 'registration not stored', details: 'bad_key: key holds a dot' },
    });
  });
});

describe('TimeTracker validation and status', () => {
  it('validates every token (no licence is needed) and stores nothing', () => {
    const request = compatRequest({ app_identifier: 'timetracker', license_id: 'NO-LICENSE-REQUIRED', instance_id: INSTANCE });
    expect(validate.toEvents(request)).toEqual({ ok: true, events: [] });
    expect(validate.respond({ accepted: 0, rejected: [] }, request)).toEqual({
      status: 200,
      body: { valid: true, license_required: false, instance_id: INSTANCE },
    });
  });

  it('answers the health check', () => {
    const request = compatRequest(undefined);
    expect(status.toEvents(request)).toEqual({ ok: true, events: [] });
    expect(status.respond({ accepted: 0, rejected: [] }, request)).toEqual({ status: 200, body: { status: 'ok' } });
  });
});

describe('TimeTracker usage data', () => {
  it('maps the documented data format: a usage_event point is the event it names, metadata.feature its feature', () => {
    const body = {
      app_identifier: 'timetracker',
      instance_id: 'uuid-here',
      data: [{ key: 'usage_event', value: 'feature_used', type: 'string', metadata: { feature: 'dashboard' } }],
    };
    expect(storedEvents(usageData, body)).toEqual([
      { kind: 'usage', key: 'timetracker', event: { event: 'feature_used', feature: 'dashboard', instance_id: 'uuid-here' } },
    ]);
  });

  it("maps send_usage_event's user to user_id and keeps the rest of metadata as properties", () => {
    const body = {
      app_identifier: 'timetracker',
      instance_id: INSTANCE,
      data: [{ key: 'usage_event', value: 'feature_used', type: 'string', metadata: { feature: 'dashboard', user: 'admin', project: 42 } }],
    };
    expect(storedEvents(usageData, body)[0]!.event).toEqual({
      event: 'feature_used',
      feature: 'dashboard',
      user_id: 'admin',
      instance_id: INSTANCE,
      properties: { project: 42 },
    });
  });

  it('maps another point to the event of its key, keeping its value and type', () => {
    const body = {
      app_identifier: 'timetracker',
      instance_id: INSTANCE,
      data: [{ key: 'active_projects', value: 7, type: 'integer', metadata: {} }],
    };
    expect(storedEvents(usageData, body)[0]!.event).toEqual({
      event: 'active_projects',
      instance_id: INSTANCE,
      properties: { value: 7, type: 'integer' },
    });
  });

  it('keeps a replayed point: a time with a zone is its event time, local time without one stays text', () => {
    const body = {
      app_identifier: 'timetracker',
      instance_id: INSTANCE,
      data: [
        { key: 'usage_event', value: 'timer_started', type: 'string', metadata: {}, timestamp: '2026-11-23T18:00:00+00:00' },
        { key: 'usage_event', value: 'timer_stopped', type: 'string', metadata: {}, timestamp: '2026-11-23T19:05:12.123456' },
      ],
    };
    expect(storedEvents(usageData, body).map((e) => e.event)).toEqual([
      { ts: '2026-11-23T18:00:00+00:00', event: 'timer_started', instance_id: INSTANCE },
      { event: 'timer_stopped', instance_id: INSTANCE, properties: { timestamp: '2026-11-23T19:05:12.123456' } },
    ]);
  });

  it('stores an empty batch as nothing and takes the app from ?app= when the body names none', () => {
    expect(usageData.toEvents(compatRequest({ instance_id: INSTANCE, data: [] }))).toEqual({ ok: true, events: [] });
    expect(storedEvents(usageData, { data: [{ key: 'usage_event', value: 'x' }] }, { app: 'tt-eu' })[0]!.key).toBe('tt-eu');
  });

  it.each([
    [{ app_identifier: 'timetracker' }, 'data is missing: it must be an array of data points'],
    [{ data: { key: 'a' } }, 'data is a JSON object: it must be an array of data points'],
    [{ data: [{ key: 'usage_event', value: 'a' }, 'b'] }, 'data[1] must be a JSON object with key, value, type and metadata'],
    [{ data: [{ value: 'a' }] }, 'data[0].key is missing: it must be a non-empty string (what the data point is)'],
    [{ data: [{ key: 'a', metadata: 'x' }] }, 'data[0].metadata must be a JSON object, got a JSON string'],
  ])('refuses %j', (body, detail) => {
    expect(refusal(usageData, body)).toBe(detail);
  });

  it('leaves an event name longer than the kind keeps to the kind', () => {
    expect(workerDetail(usageData, { data: [{ key: 'usage_event', value: 'e'.repeat(200) }] })).toMatch(/^schema: \/event: /);
  });

  it('answers 200 while any point was stored (a failed batch is re-sent whole); 400 when none was', () => {
    const request = compatRequest({});
    const rejected = [{ index: 1, reason: 'schema', detail: '/event: too long' }];
    expect(usageData.respond({ accepted: 1, rejected }, request)).toEqual({ status: 200, body: { success: true, received: 1, rejected } });
    expect(usageData.respond({ accepted: 0, rejected }, request)).toMatchObject({
      status: 400,
      body: { error: 'no data point not stored' },
    });
  });
});
