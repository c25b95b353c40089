import type { KindSimulator, SimulatedEvent, SimulatorOptions } from '../kind.js';
import { seededRandom } from '../../simulate/fleet.js';

interface Endpoint {
  method: string;
  endpoint: string;
  /** Median answer time, ms. */
  medianMs: number;
  /** Share of requests answered 5xx (a few endpoints fail often). */
  failRate: number;
}

const SERVICES = ['checkout', 'auth', 'catalog', 'search', 'billing', 'profile', 'inventory', 'notifications'];
const ROUTES: Array<Omit<Endpoint, 'failRate'>> = [
  { method: 'GET', endpoint: '/health', medianMs: 2 },
  { method: 'GET', endpoint: '/items', medianMs: 35 },
  { method: 'GET', endpoint: '/items/{id}', medianMs: 12 },
  { method: 'POST', endpoint: '/items', medianMs: 60 },
  { method: 'PUT', endpoint: '/items/{id}', medianMs: 45 },
  { method: 'DELETE', endpoint: '/items/{id}', medianMs: 25 },
  { method: 'POST', endpoint: '/payments', medianMs: 240 },
  { method: 'GET', endpoint: '/reports/{id}', medianMs: 900 },
];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Safari/604.1',
  'okhttp/4.12.0',
  'curl/8.5.0',
];

/**
 * Requests of `keys` services with the shapes of real traffic: log-normal answer times around each
 * route's median with a long tail, mostly 2xx with some 4xx, and a few routes failing with 5xx
 * (payments of every third service, reports that time out under load). Event time moves 50 ms a request.
 */
export class ApiSimulator implements KindSimulator {
  private readonly random: () => number;
  private readonly services: Array<{ name: string; endpoints: Endpoint[] }>;
  private n = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.random = seededRandom(options.seed);
    this.services = Array.from({ length: Math.max(1, options.keys) }, (_, i) => ({
      name: i < SERVICES.length ? SERVICES[i]! : `service-${i}`,
      endpoints: ROUTES.map((route) => ({
        ...route,
        failRate: route.endpoint === '/payments' && i % 3 === 0 ? 0.12 : route.endpoint === '/reports/{id}' ? 0.04 : 0.002,
      })),
    }));
  }

  next(): SimulatedEvent {
    const r = this.random;
    const service = this.services[Math.floor(r() * this.services.length)]!;
    const route = service.endpoints[Math.floor(r() * service.endpoints.length)]!;
    // Box-Muller: a normal deviate, for a log-normal answer time with sigma 0.6.
    const normal = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const failed = r() < route.failRate;
    const status = failed ? (r() < 0.7 ? 500 : 503) : r() < 0.05 ? (r() < 0.5 ? 404 : 401) : route.method === 'POST' ? 201 : 200;
    const durationMs = Math.round(route.medianMs * Math.exp(0.6 * normal) * (failed ? 3 : 1) * 100) / 100;
    const user = Math.floor(r() * 500);
    const body: Record<string, unknown> = {
      ts: new Date(this.options.startMs + this.n++ * 50).toISOString(),
      method: route.method,
      endpoint: route.endpoint,
      status,
      duration_ms: durationMs,
      user_id: `user-${user}`,
      session_id: `sess-${user}-${Math.floor(this.n / 200)}`,
      client_ip: `10.${user % 256}.${Math.floor(user / 256)}.${1 + (user % 200)}`,
      user_agent: AGENTS[user % AGENTS.length]!,
      request_bytes: route.method === 'GET' || route.method === 'DELETE' ? 0 : 200 + Math.floor(r() * 4000),
      response_bytes: 100 + Math.floor(r() * 20_000),
    };
    if (failed) body.error = status === 503 ? 'upstream unavailable' : `unhandled exception in ${route.endpoint}`;
    return { key: service.name, body };
  }
}
