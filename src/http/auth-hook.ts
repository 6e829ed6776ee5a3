/**
 * Authentication for /v1: `Authorization: Bearer` (API key or OIDC token) first; without it, a
 * console session cookie; without either, devMode or 401. A cookie-authenticated mutation must
 * echo the session's CSRF token in `x-countersign-csrf` (a cross-site form or fetch cannot read
 * it). Failed authentications count against the client IP; once its budget is spent, every request
 * from that IP that presents a credential is 429 until the window passes, valid or not, so the
 * limiter is no oracle for which keys are valid. Mutations count against the principal.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../domain/principal.js';
import { AuthError, PolicyError } from '../errors/index.js';
import type { Authenticator } from '../identity/authenticate.js';
import type { SessionCodec } from '../identity/console-session.js';
import { constantTimeEqual } from '../lib/compare.js';
import type { RequestLimits } from './hardening.js';
import { assertRouteScopes } from './input-guards.js';

export const SESSION_COOKIE = 'countersign_session';
export const CSRF_COOKIE = 'countersign_csrf';
export const LOGIN_COOKIE = 'countersign_login';
export const CSRF_HEADER = 'x-countersign-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isMutation(req: FastifyRequest): boolean {
  return !SAFE_METHODS.has(req.method);
}

export interface AuthHookDeps {
  authenticator: Authenticator;
  sessions: SessionCodec | null;
  limits: RequestLimits;
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function principalFromCookie(
  req: FastifyRequest,
  sessions: SessionCodec,
  cookieValue: string,
): Promise<Principal> {
  const session = await sessions.verify(cookieValue);
  if (isMutation(req)) {
    const sent = single(req.headers[CSRF_HEADER]) ?? '';
    if (sent === '' || !constantTimeEqual(sent, session.csrf)) {
      throw new PolicyError(
        'forbidden',
        `a request made with the console session must send the ${CSRF_HEADER} header`,
      );
    }
  }
  return session.principal;
}

export function createAuthHook(deps: AuthHookDeps) {
  async function identify(req: FastifyRequest): Promise<Principal> {
    const authorization = req.headers.authorization;
    const cookieValue = req.cookies?.[SESSION_COOKIE];
    if ((authorization === undefined || authorization === '') && deps.sessions && cookieValue) {
      return principalFromCookie(req, deps.sessions, cookieValue);
    }
    return deps.authenticator.authenticate(
      authorization,
      single(req.headers['x-countersign-dev-user']),
    );
  }

  return async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const presented =
      (req.headers.authorization ?? '') !== '' ||
      (deps.sessions !== null && req.cookies?.[SESSION_COOKIE] !== undefined);
    // checked before the credential is: over budget, a valid and a guessed key get the same 429
    // (a limiter that let valid keys through would confirm every right guess)
    if (presented) await deps.limits.assertAuthBudget(req, reply);
    try {
      req.principal = await identify(req);
    } catch (err) {
      // only failures spend the budget
      if (err instanceof AuthError) {
        if (!presented) await deps.limits.assertAuthBudget(req, reply);
        await deps.limits.recordAuthFailure(req);
      }
      throw err;
    }
    // authorization before the body is parsed or validated: 403, never a 400, for a wrong caller
    assertRouteScopes(req);
    if (isMutation(req)) await deps.limits.assertMutationBudget(req, reply);
  };
}
