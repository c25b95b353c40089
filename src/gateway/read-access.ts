import type { preHandlerHookHandler } from 'fastify';
import { authenticate, readAccess } from './auth.js';
import type { KeyDirectory } from './keys/key-directory.js';
import { sendRefusal } from './refusal.js';

/**
 * The preHandler of the read routes (src/gateway/queries): 401 without a valid key, 403 for a key
 * without read rights (browser keys never have them), then 503 naming why when this gateway has
 * nothing to read from (`unavailable`).
 */
export function requireRead(keys: KeyDirectory, unavailable?: string): preHandlerHookHandler {
  return (request, reply, next) => {
    const auth = authenticate(request, keys);
    const access = auth.ok ? readAccess(auth.value) : auth;
    if (!access.ok) {
      void sendRefusal(reply, access.refusal);
      return;
    }
    if (unavailable !== undefined) {
      void sendRefusal(reply, { status: 503, code: 'reads_unavailable', message: unavailable });
      return;
    }
    next();
  };
}
