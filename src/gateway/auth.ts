import type { FastifyRequest } from 'fastify';
import type { KeyDirectory } from './keys/key-directory.js';
import { isBrowserKey, type KeyRecord } from './keys/key-record.js';
import { done, refuse, type Step } from './refusal.js';

const CHALLENGE = { 'www-authenticate': 'Bearer' };

/** The secret a request carries: Authorization: Bearer, X-API-Key, or (browser keys only) ?key=. */
function presented(request: FastifyRequest): { secret: string; inQuery: boolean } | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match) return { secret: match[1]!, inQuery: false };
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim()) return { secret: apiKey.trim(), inQuery: false };
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (typeof query.key === 'string' && query.key) return { secret: query.key, inQuery: true };
  return undefined;
}

/**
 * The key a request authenticates with, or 401 (none, unknown, revoked, a server key in the URL)
 * or 403 (a web page's Origin the key does not serve).
 */
export function authenticate(request: FastifyRequest, directory: KeyDirectory): Step<KeyRecord> {
  const given = presented(request);
  if (!given) return refuse(401, 'missing_key', 'no API key: send Authorization: Bearer KEY or X-API-Key: KEY', CHALLENGE);
  const record = directory.find(given.secret);
  if (!record) return refuse(401, 'unknown_key', 'the API key is not known', CHALLENGE);
  if (record.revoked) return refuse(401, 'revoked_key', `API key ${record.name} is revoked`, CHALLENGE);
  const browser = isBrowserKey(record);
  // A key in a URL ends up in logs and histories: only a browser key, public anyway, may come so.
  if (given.inQuery && !browser)
    return refuse(
      401,
      'key_in_url',
      `API key ${record.name} is a server key: send it in Authorization or X-API-Key, never in the URL`,
      CHALLENGE,
    );
  const origin = request.headers.origin;
  if (typeof origin === 'string') {
    // "null" is a page too (a sandboxed frame, a file), so a server key is refused from it; a
    // browser key is not: a beacon from a page with Referrer-Policy no-referrer carries "null".
    if (origin === 'null' && browser) return done(record);
    if (!browser)
      return refuse(
        403,
        'server_key_in_browser',
        `API key ${record.name} is a server key and this request comes from a web page (${origin}); pages need a browser key (sift keys create --origins)`,
      );
    if (!record.origins.includes(origin))
      return refuse(403, 'origin_not_allowed', `API key ${record.name} does not serve origin ${origin}`);
  }
  return done(record);
}

/** 403 unless the key may call the read routes. */
export function readAccess(record: KeyRecord): Step<KeyRecord> {
  return record.read ? done(record) : refuse(403, 'no_read_rights', `API key ${record.name} has no read rights (sift keys create --read)`);
}
