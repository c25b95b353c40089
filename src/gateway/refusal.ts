import type { FastifyReply } from 'fastify';

/** Why the gateway turns a request down: its status, a stable code, and one line naming the problem. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/** A step's outcome: a value, or the refusal the request gets. Expected outcomes are values, not throws. */
export type Step<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export const done = <T>(value: T): Step<T> => ({ ok: true, value });
export const refuse = <T = never>(status: number, code: string, message: string, headers?: Record<string, string>): Step<T> => ({
  ok: false,
  refusal: headers ? { status, code, message, headers } : { status, code, message },
});

/** Every refusal is one JSON object: `{"error": code, "message": one line}`. */
export function sendRefusal(reply: FastifyReply, refusal: Refusal): FastifyReply {
  if (refusal.headers) reply.headers(refusal.headers);
  return reply.code(refusal.status).type('application/json').send({ error: refusal.code, message: refusal.message });
}
