import { describe, expect, it } from 'vitest';
import { compatRequest, RECEIVED_AT, refusal, storedEvents } from '../../../test/helpers/compat-request.js';
import { recordEvent } from './metrics-service.js';

describe('metrics service events', () => {
  const documented = { event_type: 'user_login', user_id: 1, metadata: { browser: 'chrome', ip: '192.168.1.1' } };

  it('maps the documented event to a usage event: event_type the event, user_id its text, metadata the properties', () => {
    expect(storedEvents(recordEvent, documented)).toEqual([
      {
        kind: 'usage',
        key: 'metrics-service',
        event: { event: 'user_login', user_id: '1', properties: { browser: 'chrome', ip: '192.168.1.1' } },
      },
    ]);
  });

  it('reads a numeric event type as its text, as it reads a numeric user id', () => {
    expect(storedEvents(recordEvent, { event_type: 7 })[0]!.event).toEqual({ event: '7' });
  });

  it('takes the app from ?app= and stores an event without user or metadata', () => {
    expect(storedEvents(recordEvent, { event_type: 'appointment_created', user_id: null }, { app: 'clinic' })).toEqual([
      { kind: 'usage', key: 'clinic', event: { event: 'appointment_created' } },
    ]);
  });

  it.each([
    [{ user_id: 1 }, 'event_type is missing: it must be a non-empty string (what happened, e.g. user_login)'],
    [{ event_type: '' }, 'event_type is empty'],
    [{ event_type: ['login'] }, 'event_type is a JSON array'],
    [{ event_type: 'x', metadata: [1] }, 'metadata must be a JSON object, got a JSON array'],
    ['user_login', 'the body is a JSON string: send one JSON object'],
  ])('refuses %j', (body, detail) => {
    expect(refusal(recordEvent, body)).toContain(detail);
  });

  it('answers 201 with the recorded event, as the service did; 422 with the detail when refused', () => {
    const request = compatRequest(documented);
    expect(recordEvent.respond({ accepted: 1, rejected: [] }, request)).toEqual({
      status: 201,
      body: {
        event_type: 'user_login',
        user_id: 1,
        metadata: { browser: 'chrome', ip: '192.168.1.1' },
        created_at: RECEIVED_AT.toISOString(),
      },
    });
    expect(
      recordEvent.respond(
        { accepted: 0, rejected: [{ index: 0, reason: 'schema', detail: '/event: Expected string length less or equal to 128' }] },
        request,
      ),
    ).toEqual({ status: 422, body: { detail: 'schema: /event: Expected string length less or equal to 128' } });
  });
});
