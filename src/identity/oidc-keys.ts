/**
 * The verification keys of one OIDC issuer: a remote JWKS (`jwks_uri`, cached, refetched on an
 * unknown `kid` at most once per refresh interval) or a local JWKS file read at build and again
 * on an unknown `kid`, at most once per refresh interval.
 * Configuration mistakes are TypeErrors at build; a key set that cannot be fetched is reported
 * as {@link KeySetUnavailableError} so the verifier can fail closed with its own reason.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FetchImplementation, JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors } from 'jose';
import type { JwsAlgorithm, OidcIssuerConfig } from '../config/config-types.js';

/**
 * Asymmetric JWS algorithms only. `none` and HS* are never allowed: with a shared secret anyone
 * who can verify can also mint, and the classic confusion attack signs HS256 with a public key.
 */
const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set<JwsAlgorithm | 'Ed25519'>([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The key set could not be fetched or parsed: nothing can be verified (fail closed). */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
}

export interface KeySetOptions {
  /** Minimum time between two fetches triggered by an unknown `kid` (jose `cooldownDuration`). */
  refreshIntervalMs: number;
  /** How long a fetched key set is used before it is fetched again (jose `cacheMaxAge`). */
  cacheMaxAgeMs: number;
  /** Upper bound on one JWKS fetch (jose `timeoutDuration`). */
  timeoutMs: number;
  fetch?: FetchImplementation | undefined;
}

/** Throws a TypeError when an issuer's configuration could not verify tokens safely. */
export function assertIssuerConfig(cfg: OidcIssuerConfig): void {
  const where = `identity.oidc issuer ${JSON.stringify(cfg.issuer)}`;
  if (typeof cfg.issuer !== 'string' || cfg.issuer === '') {
    throw new TypeError('identity.oidc: issuer must be a non-empty string');
  }
  if (cfg.audience.length === 0 || cfg.audience.some((a) => typeof a !== 'string' || a === '')) {
    throw new TypeError(`${where}: audience must list at least one non-empty string`);
  }
  if (cfg.algorithms.length === 0) {
    throw new TypeError(`${where}: algorithms must list at least one algorithm`);
  }
  for (const alg of cfg.algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
      throw new TypeError(
        `${where}: algorithm ${JSON.stringify(alg)} is not allowed (asymmetric JWS algorithms only; never "none" or HS*)`,
      );
    }
  }
  if ((cfg.jwksUri === null) === (cfg.jwksFile === null)) {
    throw new TypeError(`${where}: set exactly one of jwksUri and jwksFile`);
  }
  if (!Number.isFinite(cfg.leewayMs) || cfg.leewayMs < 0) {
    throw new TypeError(`${where}: leewayMs must be a non-negative number`);
  }
  if (typeof cfg.groupsClaim !== 'string' || cfg.groupsClaim === '') {
    throw new TypeError(`${where}: groupsClaim must be a non-empty string`);
  }
}

function jwksUrl(cfg: OidcIssuerConfig, uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`identity.oidc issuer ${JSON.stringify(cfg.issuer)}: jwksUri is not a URL`);
  }
  // keys fetched in clear text could be swapped by anyone on the path; loopback is for tests
  const ok =
    url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!ok || url.username !== '' || url.password !== '') {
    throw new TypeError(
      `identity.oidc issuer ${JSON.stringify(cfg.issuer)}: jwksUri must be https (http only on loopback) without credentials`,
    );
  }
  return url;
}

function readJwksFile(cfg: OidcIssuerConfig, file: string): JSONWebKeySet {
  const where = `identity.oidc issuer ${JSON.stringify(cfg.issuer)}: jwksFile ${JSON.stringify(file)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new TypeError(`${where} could not be read as JSON`, { cause });
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TypeError(`${where} is not a JWKS with at least one key`);
  }
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || (k as { kty?: unknown }).kty === 'oct') {
      throw new TypeError(`${where} must hold only public asymmetric keys`);
    }
    if ('d' in k) throw new TypeError(`${where} must hold only public keys (found a private key)`);
    try {
      // a key that cannot be imported would only surface on the first login; fail at boot
      createPublicKey({ key: k as JsonWebKey, format: 'jwk' });
    } catch (cause) {
      throw new TypeError(`${where} holds a key that is not a valid public JWK`, { cause });
    }
  }
  return parsed as JSONWebKeySet;
}

function localKeySet(cfg: OidcIssuerConfig, file: string): JWTVerifyGetKey {
  const jwks = readJwksFile(cfg, file);
  try {
    return createLocalJWKSet(jwks);
  } catch (cause) {
    throw new TypeError(
      `identity.oidc issuer ${JSON.stringify(cfg.issuer)}: jwksFile is not a valid JWKS`,
      { cause },
    );
  }
}

/**
 * A local JWKS file, read at build and read again when a token names a `kid` it does not hold
 * (a key rotated into the file), at most once per `refreshIntervalMs`, like the remote set's
 * cooldown. A file that no longer reads as a valid JWKS keeps the keys read before.
 */
function fileKeySet(cfg: OidcIssuerConfig, file: string, opts: KeySetOptions): JWTVerifyGetKey {
  let current = localKeySet(cfg, file);
  let readAtMs = Date.now();
  return async (header, token) => {
    try {
      return await current(header, token);
    } catch (err) {
      if (
        !(err instanceof errors.JWKSNoMatchingKey) ||
        Date.now() - readAtMs < opts.refreshIntervalMs
      ) {
        throw err;
      }
      readAtMs = Date.now();
      try {
        current = localKeySet(cfg, file);
      } catch {
        // a half-written or broken file: keep verifying with the keys read before
        throw err;
      }
      return current(header, token);
    }
  };
}

/** Builds the key resolver for one issuer; throws a TypeError on a bad jwksUri or jwksFile. */
export function createIssuerKeySet(cfg: OidcIssuerConfig, opts: KeySetOptions): JWTVerifyGetKey {
  if (cfg.jwksFile !== null) return fileKeySet(cfg, cfg.jwksFile, opts);
  const remote = createRemoteJWKSet(jwksUrl(cfg, cfg.jwksUri as string), {
    cooldownDuration: opts.refreshIntervalMs,
    cacheMaxAge: opts.cacheMaxAgeMs,
    timeoutDuration: opts.timeoutMs,
    ...(opts.fetch ? { [customFetch]: opts.fetch } : {}),
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      // "no such kid" and "several candidates" are answers about the key set, not outages
      if (
        err instanceof errors.JWKSNoMatchingKey ||
        err instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw err;
      }
      throw new KeySetUnavailableError('key set unavailable', { cause: err });
    }
  };
}
