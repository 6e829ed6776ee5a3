/**
 * OIDC bearer tokens for people (docs/domain.md §7). A fixed pipeline: parse, pick the trusted issuer
 * by `iss`, check the algorithm against that issuer's allowlist (before any key is touched),
 * resolve the key, verify the signature and `iss`/`aud`/`exp`/`nbf`/`iat` with the leeway, then
 * map groups and scopes through RBAC. Every failure is `AuthError('unauthenticated')` with one
 * of a closed set of reasons; no message ever carries the token or its claims.
 */
import type { FetchImplementation, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { OidcIssuerConfig, RbacConfig } from '../config/config-types.js';
import type { Principal } from '../domain/principal.js';
import { AuthError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import type { TokenVerifier } from './authenticate.js';
import { principalFromClaims } from './oidc-claims.js';
import { assertIssuerConfig, createIssuerKeySet, KeySetUnavailableError } from './oidc-keys.js';

/** Why a token was refused, and the exact message the 401 carries. A closed set. */
export const OIDC_FAILURE_MESSAGES = {
  malformed: 'malformed token',
  issuer_not_trusted: 'issuer not trusted',
  algorithm_not_allowed: 'algorithm not allowed',
  key_not_found: 'signing key not found',
  key_set_unavailable: 'signing keys unavailable',
  signature: 'signature verification failed',
  audience: 'audience not accepted',
  expired: 'token expired',
  not_yet_valid: 'token not yet valid',
  issued_in_future: 'token issued in the future',
  claims: 'required claim missing or invalid',
} as const;

export type OidcFailure = keyof typeof OIDC_FAILURE_MESSAGES;

export interface OidcVerifierOptions {
  clock: Clock;
  /** Fetch used for `jwksUri` (defaults to the global fetch). */
  fetch?: FetchImplementation;
  /** Minimum time between JWKS fetches triggered by an unknown `kid`. Default 30s. */
  refreshIntervalMs?: number;
  /** How long a fetched JWKS is used before it is fetched again. Default 10m. */
  cacheMaxAgeMs?: number;
  /** Upper bound on one JWKS fetch. Default 5s. */
  timeoutMs?: number;
}

const MAX_SUBJECT_LENGTH = 255;

interface TrustedIssuer {
  cfg: OidcIssuerConfig;
  keys: JWTVerifyGetKey;
}

function refuse(failure: OidcFailure): AuthError {
  // no `cause`: jose claim errors carry the whole claims set
  return new AuthError('unauthenticated', OIDC_FAILURE_MESSAGES[failure], {
    details: { reason: failure },
  });
}

/** Maps what jose (or the key set) threw to a closed reason; anything unexpected is malformed. */
function failureOf(err: unknown): OidcFailure {
  if (err instanceof KeySetUnavailableError) return 'key_set_unavailable';
  if (err instanceof errors.JWTExpired) return err.claim === 'exp' ? 'expired' : 'claims';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason !== 'check_failed') return 'claims';
    switch (err.claim) {
      case 'aud':
        return 'audience';
      case 'iss':
        return 'issuer_not_trusted';
      case 'nbf':
        return 'not_yet_valid';
      case 'iat':
        return 'issued_in_future';
      default:
        return 'claims';
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'key_not_found';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  return 'malformed';
}

/** Reads `iss` and `alg` without trusting them: they only choose which checks to run. */
function peek(token: string): { iss: string; alg: string } {
  // attacker-controlled: parse defensively
  let alg: unknown;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    iss = decodeJwt(token).iss;
  } catch {
    throw refuse('malformed');
  }
  if (typeof alg !== 'string') throw refuse('malformed');
  if (typeof iss !== 'string') throw refuse('issuer_not_trusted');
  return { iss, alg };
}

async function verifyWith(
  token: string,
  issuer: TrustedIssuer,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, issuer.keys, options)).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    // no `kid` and several keys fit: try each, as jose documents for this case
    for await (const key of err) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * A {@link TokenVerifier} for the configured issuers. Throws a TypeError at build for a
 * configuration that could not verify safely (a symmetric or `none` algorithm, no audience,
 * a duplicate issuer, a jwksUri that is not https, an unreadable or private jwksFile).
 *
 * @example
 * const oidc = createOidcVerifier(config.identity.oidc, config.identity.rbac, { clock });
 * const authenticator = createAuthenticator({ store, oidc, devMode: false, nowIso });
 */
export function createOidcVerifier(
  issuers: readonly OidcIssuerConfig[],
  rbac: RbacConfig,
  opts: OidcVerifierOptions,
): TokenVerifier {
  const trusted = new Map<string, TrustedIssuer>();
  for (const cfg of issuers) {
    assertIssuerConfig(cfg);
    if (trusted.has(cfg.issuer)) {
      throw new TypeError(`identity.oidc: issuer ${JSON.stringify(cfg.issuer)} is listed twice`);
    }
    const keys = createIssuerKeySet(cfg, {
      refreshIntervalMs: opts.refreshIntervalMs ?? 30_000,
      cacheMaxAgeMs: opts.cacheMaxAgeMs ?? 600_000,
      timeoutMs: opts.timeoutMs ?? 5_000,
      fetch: opts.fetch,
    });
    trusted.set(cfg.issuer, { cfg, keys });
  }

  async function verify(token: string): Promise<Principal> {
    const { iss, alg } = peek(token);
    const issuer = trusted.get(iss);
    if (!issuer) throw refuse('issuer_not_trusted');
    const { cfg } = issuer;
    if (!cfg.algorithms.includes(alg as OidcIssuerConfig['algorithms'][number])) {
      throw refuse('algorithm_not_allowed');
    }
    const nowMs = opts.clock.now();
    let claims: JWTPayload;
    try {
      claims = await verifyWith(token, issuer, {
        issuer: cfg.issuer,
        audience: [...cfg.audience],
        algorithms: [...cfg.algorithms],
        currentDate: new Date(nowMs),
        clockTolerance: cfg.leewayMs / 1000,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
    } catch (err) {
      throw refuse(failureOf(err));
    }
    // jose checks a future `iat` only together with maxTokenAge; a token minted ahead of our
    // clock (beyond the leeway) is a skewed or forged issuer either way
    if ((claims.iat as number) * 1000 > nowMs + cfg.leewayMs) throw refuse('issued_in_future');
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUBJECT_LENGTH) {
      throw refuse('claims');
    }
    return principalFromClaims(cfg.issuer, sub, claims, cfg.groupsClaim, rbac);
  }

  return { verify };
}
