/**
 * Turns an Authorization header into a Principal. API keys (`cs_…`) are looked up by id and
 * compared in constant time; bearer JWTs go to the OIDC verifier when one is configured.
 * Anything else is 401. Nothing in a request body ever becomes identity.
 */
import type { Principal } from '../domain/principal.js';
import { ALL_SCOPES } from '../domain/principal.js';
import { AuthError } from '../errors/index.js';
import type { Store } from '../store/port.js';
import { apiKeyMatches, isApiKeyFormat, parseApiKey, principalForApiKey } from './api-keys.js';

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

export interface AuthenticatorOptions {
  store: Pick<Store, 'getApiKey' | 'touchApiKey'>;
  oidc?: TokenVerifier | null;
  devMode: boolean;
  nowIso: () => string;
}

const BEARER_RE = /^Bearer ([\x21-\x7e]{1,8192})$/;

export function createAuthenticator(opts: AuthenticatorOptions) {
  async function authenticate(
    authorization: string | undefined,
    devUser?: string,
  ): Promise<Principal> {
    if (authorization === undefined || authorization === '') {
      if (opts.devMode) return devPrincipal(devUser);
      throw new AuthError('unauthenticated', 'authentication required');
    }
    // attacker-controlled: parse defensively
    const m = BEARER_RE.exec(authorization);
    if (!m) throw new AuthError('unauthenticated', 'expected "Authorization: Bearer <token>"');
    const token = m[1] as string;
    if (isApiKeyFormat(token)) {
      const parsed = parseApiKey(token);
      if (!parsed) throw new AuthError('unauthenticated', 'invalid API key');
      const record = await opts.store.getApiKey(parsed.id);
      if (!record || !apiKeyMatches(record, parsed.secret)) {
        throw new AuthError('unauthenticated', 'invalid API key');
      }
      // last-used is informational: refresh it at most once a minute, off the request path
      const now = opts.nowIso();
      if (record.lastUsedAt === null || Date.parse(now) - Date.parse(record.lastUsedAt) > 60_000) {
        void opts.store.touchApiKey(record.id, now).catch(() => undefined);
      }
      return principalForApiKey(record);
    }
    if (opts.oidc) return opts.oidc.verify(token);
    throw new AuthError('unauthenticated', 'invalid bearer token');
  }
  return { authenticate };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

const DEV_USER_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * devMode only: a local demo where anyone can act. The caller may name themselves with the
 * `x-countersign-dev-user` header so two people can play requester and reviewer; every response
 * says devMode is on.
 */
function devPrincipal(name: string | undefined): Principal {
  const user = name && DEV_USER_RE.test(name) ? name : 'anonymous';
  return {
    id: `dev:${user}`,
    kind: 'dev',
    name: user,
    groups: ['*'],
    scopes: [...ALL_SCOPES],
    fingerprint: `dev:${user}`,
  };
}
