/**
 * The request principal: who is calling, set on every /v1 request by the auth hook. Routes read it
 * here, so they depend on this module and never on the app that registers them.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The authenticated principal of a /v1 request (set by the auth hook). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error('route is missing the authentication hook');
  return req.principal;
}
