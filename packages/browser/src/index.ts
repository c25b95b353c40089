import { publishKeyProblem } from '../../../src/contract/subject-key.js';
import { activityEvent, errorEvent, usageEvent, type ActivityFields, type Scope, type SiftEvent } from './events.js';
import { QueueStore, type Batch, type KeyValueStorage } from './queue-store.js';
import { retryAfterMs, retryDelay, verdictOf } from './retry.js';

export type { SiftEvent, ActivityFields } from './events.js';

export interface SiftOptions {
  /** The gateway's base URL, e.g. https://sift.example.com. */
  endpoint: string;
  /** A browser key (`sift keys create --origins …`): sent as a Bearer token, and as ?key= on beacons. */
  key: string;
  /** The app: subject key of every event (one NATS subject token). */
  app: string;
  /** The signed-in user, if any (see identify). */
  userId?: string;
  /** Events per request (default 20). */
  maxBatch?: number;
  /** Longest wait before queued events are sent, ms (default 5000). */
  flushIntervalMs?: number;
  /** Most events kept while the gateway is unreachable (default 500); the oldest are dropped beyond. */
  maxQueue?: number;
  /** First retry wait, ms (default 1000), doubling up to maxRetryMs (default 60000). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Told of events that will never be stored (refused, or dropped from a full queue); default console.warn. */
  onError?: (problem: string) => void;
}

export interface Sift {
  /** One page view of the current page (activity `page_view`). */
  pageView(metadata?: Record<string, unknown>): void;
  /** A page view now and on every history navigation of a single-page app. */
  trackPageViews(): void;
  /** One click (activity `click`) of the element named `elementId`. */
  click(elementId: string, metadata?: Record<string, unknown>): void;
  /** Clicks on any element carrying `attribute` (default `data-sift`), named by its value (else its id). */
  trackClicks(attribute?: string): void;
  /** Any other activity: search, interaction, login, … */
  activity(activityType: string, fields?: ActivityFields): void;
  /** A custom event (kind usage): what happened, its properties and the feature it belongs to. */
  track(event: string, properties?: Record<string, unknown>, feature?: string): void;
  /** One error (kind error, category frontend). */
  error(thrown: unknown, context?: Record<string, unknown>): void;
  /** Uncaught errors and unhandled promise rejections, from now on. */
  captureErrors(): void;
  /** The signed-in user of later events; undefined when they sign out. */
  identify(userId: string | undefined): void;
  /** Sends what is queued now; resolves when the gateway answered (or a retry is scheduled). */
  flush(): Promise<void>;
  /** Events not yet acknowledged by the gateway. */
  pending(): number;
}

/** sendBeacon refuses bodies beyond about 64 KiB; keep below it. */
const BEACON_BYTES = 60_000;
/** A store untouched this long belonged to a page that crashed or was killed. */
const STALE_MS = 10 * 60_000;

const randomId = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

function webStorage(name: 'localStorage' | 'sessionStorage'): KeyValueStorage | undefined {
  try {
    return window[name];
  } catch {
    return undefined; // blocked by the browser's privacy settings
  }
}

/** This tab's session: kept in sessionStorage, so it lasts across the tab's page loads and no longer. */
function sessionOf(app: string): string {
  const storage = webStorage('sessionStorage');
  const name = `sift.${app}.session`;
  try {
    const known = storage?.getItem(name);
    if (known) return known;
    const id = randomId();
    storage?.setItem(name, id);
    return id;
  } catch {
    return randomId();
  }
}

/** Starts Sift on a web page. Throws on options that could never work, naming the option. */
export function init(options: SiftOptions): Sift {
  const { endpoint, key, app } = options;
  if (!/^https?:\/\//.test(endpoint ?? '')) throw new Error(`sift: endpoint ${JSON.stringify(endpoint)} must be an http(s) URL`);
  if (!key) throw new Error('sift: key is empty');
  // The app is every event's subject key: refused here as the gateway would refuse each event.
  const badApp = typeof app === 'string' ? publishKeyProblem(app) : `must be a string, got ${typeof app}`;
  if (badApp) throw new Error(`sift: app: ${badApp}`);
  const maxBatch = options.maxBatch ?? 20;
  const flushMs = options.flushIntervalMs ?? 5000;
  const report = options.onError ?? ((problem: string) => console.warn(`sift: ${problem}`));
  const url = `${endpoint.replace(/\/+$/, '')}/v1/batch`;
  const sessionId = sessionOf(app);
  let userId = options.userId;

  const store = new QueueStore(webStorage('localStorage'), {
    prefix: `sift.${app}.q.`,
    pageId: randomId(),
    maxEvents: options.maxQueue ?? 500,
    now: Date.now,
    newId: randomId,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> | undefined;
  let attempt = 0;

  const schedule = (ms: number) => {
    if (timer === undefined)
      timer = setTimeout(() => {
        timer = undefined;
        void flush();
      }, ms);
  };

  const scope = (): Scope => ({ app, sessionId, userId, now: Date.now() });

  function enqueue(event: SiftEvent): void {
    const dropped = store.add([event]);
    if (dropped > 0) report(`queue full: dropped the ${dropped} oldest events`);
    // A retry already waits its turn; otherwise send when a batch is full or the interval ends.
    if (attempt === 0) schedule(store.size() >= maxBatch ? 0 : flushMs);
  }

  async function send(batch: Batch): Promise<void> {
    let status = 0;
    let wait = 0;
    try {
      const body = JSON.stringify({ events: batch.events });
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}`, 'Idempotency-Key': batch.id },
        body,
        keepalive: body.length < BEACON_BYTES,
      });
      status = response.status;
      wait = retryAfterMs(response.headers.get('Retry-After'), Date.now());
      if (status === 202 || status === 200) {
        const answer = (await response.json().catch(() => ({}))) as { rejected?: { index: number; reason: string; detail: string }[] };
        for (const r of answer.rejected ?? []) report(`event ${r.index} refused (${r.reason}): ${r.detail}`);
      } else if (verdictOf(status) === 'drop') {
        report(`${batch.events.length} events refused with HTTP ${status}: ${await response.text().catch(() => '')}`);
      }
    } catch {
      status = 0; // offline, DNS, CORS: no answer
    }
    const verdict = verdictOf(status);
    if (verdict === 'retry') {
      attempt++;
      schedule(retryDelay(attempt, options.retryMs ?? 1000, options.maxRetryMs ?? 60_000, wait));
      return;
    }
    attempt = 0;
    store.settle(batch.id);
    if (store.size() > 0) schedule(0);
  }

  function flush(): Promise<void> {
    if (sending) return sending;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return Promise.resolve(); // 'online' resumes
    const batch = store.nextBatch(maxBatch);
    if (!batch) return Promise.resolve();
    sending = send(batch).finally(() => {
      sending = undefined;
    });
    return sending;
  }

  /** The page is going away: queued events leave with a beacon (it cannot set headers: ?key=, text/plain JSON). */
  function leave(): void {
    if (navigator.onLine !== false && typeof navigator.sendBeacon === 'function') {
      const events = store.peekQueued(BEACON_BYTES);
      if (events.length > 0 && navigator.sendBeacon(`${url}?key=${encodeURIComponent(key)}`, JSON.stringify({ events })))
        store.dropQueued(events.length);
    }
    // Batches already sent once wait for the next page of the app, which repeats them under the same id.
    store.close();
  }

  addEventListener('pagehide', leave);
  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') leave();
  });
  addEventListener('online', () => {
    attempt = 0;
    void flush();
  });
  if (store.adopt(STALE_MS) > 0 || store.size() > 0) schedule(0);

  const pageView = (metadata?: Record<string, unknown>) =>
    enqueue(
      activityEvent(scope(), 'page_view', {
        page_url: location.pathname + location.search + location.hash,
        metadata: { title: document.title, referrer: document.referrer || undefined, ...metadata },
      }),
    );

  return {
    pageView,
    trackPageViews() {
      let last = location.href;
      const changed = () => {
        if (location.href === last) return;
        last = location.href;
        pageView();
      };
      const push = history.pushState;
      history.pushState = function (...args: Parameters<History['pushState']>) {
        push.apply(this, args);
        changed();
      };
      addEventListener('popstate', changed);
      addEventListener('hashchange', changed);
      pageView();
    },
    click: (elementId, metadata) =>
      enqueue(activityEvent(scope(), 'click', { page_url: location.pathname, element_id: elementId, metadata })),
    trackClicks(attribute = 'data-sift') {
      addEventListener(
        'click',
        (event) => {
          const target = event.target instanceof Element ? event.target.closest(`[${attribute}]`) : null;
          if (target)
            enqueue(
              activityEvent(scope(), 'click', {
                page_url: location.pathname,
                element_id: target.getAttribute(attribute) || target.id || target.tagName.toLowerCase(),
              }),
            );
        },
        { capture: true },
      );
    },
    activity: (activityType, fields) => enqueue(activityEvent(scope(), activityType, fields)),
    track: (event, properties, feature) => enqueue(usageEvent(scope(), event, properties, feature)),
    error: (thrown, context) => enqueue(errorEvent(scope(), thrown, { url: location.href, ...context })),
    captureErrors() {
      addEventListener('error', (event) => {
        // Resource load failures reach here too, without an ErrorEvent's message.
        if (!(event instanceof ErrorEvent)) return;
        enqueue(
          errorEvent(scope(), event.error ?? event.message, {
            url: location.href,
            source: event.filename || undefined,
            line: event.lineno || undefined,
            column: event.colno || undefined,
          }),
        );
      });
      addEventListener('unhandledrejection', (event) =>
        enqueue(errorEvent(scope(), event.reason, { url: location.href }, 'Unhandled rejection: ')),
      );
    },
    identify(id) {
      userId = id;
    },
    flush,
    pending: () => store.size(),
  };
}
