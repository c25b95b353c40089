import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth.js';
import type { KeyDirectory } from './keys/key-directory.js';
import type { KeyRecord } from './keys/key-record.js';
import { sendRefusal } from './refusal.js';

const keysOfRequests = new WeakMap<FastifyRequest, KeyRecord>();

/** An onRequest hook: 401/403 before the body is read, unless the request carries a key that may be used from where it comes. */
export function requireKey(keys: KeyDirectory) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const auth = authenticate(request, keys);
    if (!auth.ok) {
      await sendRefusal(reply, auth.refusal);
      return;
    }
    keysOfRequests.set(request, auth.value);
  };
}

/** The key requireKey found for a request. */
export function keyOf(request: FastifyRequest): KeyRecord {
  const record = keysOfRequests.get(request);
  if (!record) throw new Error('route without requireKey');
  return record;
}
