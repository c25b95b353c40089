import type { KindSimulator, SimulatedEvent, SimulatorOptions } from '../kind.js';
import { seededRandom } from '../../simulate/fleet.js';

const APPS = ['shop-web', 'shop-ios', 'admin-console'];
const PAGES = ['/', '/products', '/products/42', '/cart', '/checkout', '/account', '/search'];
const QUERIES = ['red shoes', 'usb-c cable', 'gift card', 'winter jacket'];

interface Session {
  app: string;
  id: string;
  userId: string | undefined;
  ts: number;
  left: number;
}

/**
 * Sessions of a few apps: each starts with a login (or anonymously), then page views, clicks and
 * searches a few seconds apart, and most end with a logout. Some users come back in new sessions.
 */
export function activitySimulator(options: SimulatorOptions): KindSimulator {
  const random = seededRandom(options.seed);
  const apps = APPS.slice(0, Math.max(1, Math.min(APPS.length, options.keys)));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  let clock = options.startMs;
  let sessions = 0;
  const open: Session[] = [];
  return {
    next(): SimulatedEvent {
      clock += 200 + Math.floor(random() * 2000);
      if (open.length < 20 && (open.length === 0 || random() < 0.1)) {
        const anonymous = random() < 0.2;
        const session: Session = {
          app: pick(apps),
          id: `s-${options.seed}-${++sessions}`,
          userId: anonymous ? undefined : `user-${Math.floor(random() * 200)}`,
          ts: clock,
          left: 3 + Math.floor(random() * 20),
        };
        open.push(session);
        const body: Record<string, unknown> = {
          ts: clock,
          session_id: session.id,
          activity_type: session.userId ? 'login' : 'page_view',
          page_url: '/',
        };
        if (session.userId) body.user_id = session.userId;
        return { key: session.app, body };
      }
      const index = Math.floor(random() * open.length);
      const session = open[index]!;
      session.ts = Math.max(session.ts + 1000, clock);
      session.left--;
      const body: Record<string, unknown> = { ts: session.ts, session_id: session.id };
      if (session.userId) body.user_id = session.userId;
      if (session.left <= 0) {
        open.splice(index, 1);
        body.activity_type = session.userId && random() < 0.7 ? 'logout' : 'page_view';
        body.page_url = '/';
        return { key: session.app, body };
      }
      const roll = random();
      if (roll < 0.6)
        Object.assign(body, { activity_type: 'page_view', page_url: pick(PAGES), duration_ms: Math.floor(random() * 30_000) });
      else if (roll < 0.85)
        Object.assign(body, { activity_type: 'click', page_url: pick(PAGES), element_id: pick(['buy', 'add-to-cart', 'menu', 'next']) });
      else
        Object.assign(body, {
          activity_type: 'search',
          page_url: '/search',
          search_query: pick(QUERIES),
          metadata: { results: Math.floor(random() * 50) },
        });
      return { key: session.app, body };
    },
  };
}
