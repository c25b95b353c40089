import { describe, expect, it } from 'vitest';
import { activityEvent, errorEvent, usageEvent } from './events.js';

const scope = { app: 'shop-web', sessionId: 's-1', now: 1_795_461_600_000 };

describe('event bodies', () => {
  it('makes a page view an activity of the app, without absent fields', () => {
    expect(activityEvent(scope, 'page_view', { page_url: '/cart', metadata: { title: 'Cart', referrer: undefined } })).toEqual({
      kind: 'activity',
      key: 'shop-web',
      event: { ts: scope.now, session_id: 's-1', activity_type: 'page_view', page_url: '/cart', metadata: { title: 'Cart' } },
    });
  });

  it('cuts what the kinds would refuse as too long', () => {
    const event = activityEvent(scope, 'click', {
      page_url: `/${'p'.repeat(5000)}`,
      element_id: 'e'.repeat(300),
      metadata: { note: 'n'.repeat(2000) },
    }).event;
    expect((event.page_url as string).length).toBe(2048);
    expect((event.element_id as string).length).toBe(256);
    expect((event.metadata as Record<string, string>).note).toHaveLength(1024);
  });

  it('makes a custom event a usage event carrying the user', () => {
    expect(usageEvent({ ...scope, userId: 'u-7' }, 'export_started', { format: 'csv' }, 'export')).toEqual({
      kind: 'usage',
      key: 'shop-web',
      event: { ts: scope.now, event: 'export_started', feature: 'export', user_id: 'u-7', properties: { format: 'csv' } },
    });
  });

  it('makes an uncaught Error a frontend error with its name as code and its stack', () => {
    const thrown = new TypeError('x is undefined');
    const { event } = errorEvent(scope, thrown, { url: 'https://shop.example/cart', line: 3 });
    expect(event).toMatchObject({
      category: 'frontend',
      severity: 'error',
      code: 'TypeError',
      message: 'x is undefined',
      context: { session_id: 's-1', url: 'https://shop.example/cart', line: 3 },
    });
    expect(event.stack).toContain('x is undefined');
  });

  it('describes a rejection with any reason', () => {
    expect(errorEvent(scope, { status: 500 }, {}, 'Unhandled rejection: ').event.message).toBe('Unhandled rejection: {"status":500}');
    expect(errorEvent(scope, 'plain', {}).event.message).toBe('plain');
    expect(errorEvent(scope, undefined, {}).event.message).toBe('undefined');
  });
});
