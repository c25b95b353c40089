import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiftClient } from '../client.js';
import { kindContracts } from '../generated/index.js';
import { routeTemplate } from './route-template.js';

export interface SiftHttpOptions {
  /** Subject key of the `api` events: the service name. */
  service: string;
  /** Subject key of the `activity` events. Default: the service. */
  app?: string;
  /** Paths recorded by no event (exact strings or patterns). Default: /health, /healthz, /livez, /readyz, /ready, /metrics. */
  skipPaths?: Array<string | RegExp>;
  /** The signed-in user, read when the response finishes (after your auth ran). */
  userId?: (req: IncomingMessage) => string | undefined;
  /** Session cookie name, or false for none. Default "sift_sid". */
  sessionCookie?: string | false;
  /** Cookie attributes. Default: HttpOnly, SameSite=Lax, Path=/, 30 days. */
  cookie?: { secure?: boolean; maxAgeS?: number; domain?: string };
  /** Record the client's IP address (off by default: personal data). */
  clientIp?: boolean;
  /** Record the User-Agent header. Default true. */
  userAgent?: boolean;
  /** false: requests pass through untouched (no event, no cookie). Default true; a disabled client also turns it off. */
  enabled?: boolean;
  /** Told when an event could not be recorded; the request itself is never affected. */
  onError?: (error: Error) => void;
}

/** What the middleware hangs on each request: its session, and a way to record user activity in it. */
export interface SiftRequestContext {
  sessionId: string | undefined;
  /** Publishes an `activity` event with this request's session (and user, when the hook knows it). */
  activity(body: { activity_type: string } & Record<string, unknown>): void;
}

const DEFAULT_SKIP = ['/health', '/healthz', '/livez', '/readyz', '/ready', '/metrics'];
const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...list, cookie]);
}

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0]!.split('#')[0]!;
const byteLength = (chunk: unknown, encoding?: unknown) =>
  typeof chunk === 'string'
    ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    : chunk instanceof Uint8Array
      ? chunk.byteLength
      : 0;

const routeTemplateOrPath = (template: string | undefined, path: string) => (template === undefined ? path : routeTemplate(template));

/** Whether the api schema wants whole milliseconds (else three decimals are kept). */
function durationIsInteger(): boolean {
  const api = (kindContracts as Record<string, { schema: { properties?: Record<string, { type?: unknown }> } } | undefined>).api;
  return api?.schema.properties?.duration_ms?.type === 'integer';
}

/**
 * The framework-neutral part of the middleware: starts the clock, keeps the session cookie,
 * counts response bytes, and publishes one `api` event when the response finishes.
 * `route` names the matched route template once the framework knows it.
 */
export function trackRequest(
  client: SiftClient,
  options: SiftHttpOptions,
  req: IncomingMessage,
  res: ServerResponse,
  route: () => string | undefined,
): SiftRequestContext | undefined {
  if (options.enabled === false || client.stats().mode === 'disabled') return undefined;
  const path = pathOf(req.url);
  const skip = options.skipPaths ?? DEFAULT_SKIP;
  if (skip.some((rule) => (typeof rule === 'string' ? rule === path : rule.test(path)))) return undefined;
  const started = process.hrtime.bigint();
  const cookieName = options.sessionCookie ?? 'sift_sid';
  let sessionId: string | undefined;
  if (cookieName !== false) {
    const found = cookieValue(req.headers.cookie, cookieName);
    sessionId = found && SESSION_ID.test(found) ? found : undefined;
    if (!sessionId) {
      sessionId = randomBytes(16).toString('base64url');
      const c = options.cookie ?? {};
      appendSetCookie(
        res,
        `${cookieName}=${sessionId}; Path=/; Max-Age=${c.maxAgeS ?? 30 * 86_400}; HttpOnly; SameSite=Lax${c.secure ? '; Secure' : ''}${c.domain ? `; Domain=${c.domain}` : ''}`,
      );
    }
  }
  let responseBytes = 0;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    responseBytes += byteLength(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') responseBytes += byteLength(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as typeof res.end;

  const report = (error: unknown) => options.onError?.(error as Error);
  let recorded = false;
  const record = () => {
    if (recorded) return;
    recorded = true;
    try {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const userId = options.userId?.(req);
      const requestBytes = Number(req.headers['content-length'] ?? 0);
      const userAgent = options.userAgent === false ? undefined : req.headers['user-agent'];
      client.publishBuilt('api', options.service, {
        method: (req.method ?? 'GET').toUpperCase(),
        endpoint: routeTemplateOrPath(route(), path),
        status: res.writableFinished || res.headersSent ? res.statusCode : 499, // 499: the client went away first
        duration_ms: durationIsInteger() ? Math.round(ms) : Math.round(ms * 1000) / 1000,
        ...(userId ? { user_id: userId } : {}),
        ...(sessionId ? { session_id: sessionId } : {}),
        ...(options.clientIp && req.socket.remoteAddress ? { client_ip: req.socket.remoteAddress } : {}),
        ...(userAgent ? { user_agent: userAgent.slice(0, 512) } : {}),
        ...(Number.isSafeInteger(requestBytes) && requestBytes > 0 ? { request_bytes: requestBytes } : {}),
        response_bytes: responseBytes,
      });
    } catch (error) {
      report(error); // a metrics failure must never break the app
    }
  };
  res.once('finish', record);
  res.once('close', record);

  const app = options.app ?? options.service;
  return {
    sessionId,
    activity(body) {
      const userId = options.userId?.(req);
      client.publishBuilt('activity', app, {
        ...(sessionId ? { session_id: sessionId } : {}),
        ...(userId ? { user_id: userId } : {}),
        ...body,
      });
    },
  };
}
