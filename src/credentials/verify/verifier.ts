/**
 * The verification pipeline of docs/domain.md §4 rows 1–11. Keys are imported once per verifier;
 * each verification is one header lookup, one Ed25519 verify and one JSON.parse.
 */
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { checkClaims } from './claims.js';
import { checkBinding, prepareAction, type BindingContext } from './binding.js';
import { checkHeader, decodeSignature, parseJsonObject, splitCompact } from './jws.js';
import { importKeySet } from './key-set.js';
import { MESSAGES } from './messages.js';
import {
  fail,
  type ActionInput,
  type VerifyCallOptions,
  type VerifyOptions,
  type VerifyResult,
} from './types.js';

const DEFAULT_CLOCK_SKEW = 30;
const DEFAULT_MAX_LIFETIME = 86_400;
/** Distinct valid headers are few (one per key); the bound keeps hostile input from growing it. */
const HEADER_CACHE_LIMIT = 64;

/**
 * A verifier bound to one key set, built by {@link createVerifier}.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ jwks });
 * const result = await verifier.verify(token, action);
 * ```
 */
export interface CredentialVerifier {
  /** Verifies `token` for `action`; rejects with a TypeError only when the action is not one. */
  verify(token: string, action: ActionInput, options?: VerifyCallOptions): Promise<VerifyResult>;
  /** Number of keys of the set that may verify credentials. */
  readonly keyCount: number;
}

interface Settings {
  clockSkew: number;
  maxLifetime: number;
  expectedPosture: string | undefined;
  now: Date | number | undefined;
  requiredCapabilities: readonly string[] | undefined;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative number of seconds`);
  }
  return value;
}

function resolveSettings(options: VerifyOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object');
  }
  const maxLifetime = nonNegative(options.maxLifetime, DEFAULT_MAX_LIFETIME, 'maxLifetime');
  if (options.expectedPosture !== undefined && typeof options.expectedPosture !== 'string') {
    throw new TypeError('expectedPosture must be a string');
  }
  return {
    clockSkew: nonNegative(options.clockSkew, DEFAULT_CLOCK_SKEW, 'clockSkew'),
    maxLifetime,
    expectedPosture: options.expectedPosture,
    now: options.now,
    requiredCapabilities: options.requiredCapabilities,
  };
}

/** Seconds since the epoch; a number is milliseconds since the epoch, like `Date.now()`. */
function toSeconds(now: Date | number | undefined): number {
  const ms = now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TypeError('now must be a valid Date or milliseconds since the epoch');
  }
  return ms / 1000;
}

/**
 * Builds a verifier that imports the key set once and caches parsed headers: the fast path for
 * runtimes that verify many credentials. Options are checked here, so mistakes fail at once.
 *
 * @example
 * ```ts
 * import { createVerifier } from 'countersign/verify';
 * const verifier = createVerifier({ jwks, maxLifetime: 3600 });
 * const result = await verifier.verify(token, action, { now: Date.now() });
 * if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
 * ```
 */
export function createVerifier(options: VerifyOptions): CredentialVerifier {
  const settings = resolveSettings(options);
  const { keys, listed } = importKeySet(options.jwks);
  const headers = new Map<string, string>();

  const kidOf = (headerSegment: string): string | VerifyResult => {
    const cached = headers.get(headerSegment);
    if (cached !== undefined) return cached;
    const header = checkHeader(headerSegment);
    if ('ok' in header) return header;
    if (headers.size >= HEADER_CACHE_LIMIT) headers.clear();
    headers.set(headerSegment, header.kid);
    return header.kid;
  };

  const run = (token: string, action: ActionInput, call: VerifyCallOptions): VerifyResult => {
    const now = toSeconds(call.now ?? settings.now);
    const bound = prepareAction(action);
    const parts = splitCompact(token);
    if ('ok' in parts) return parts;
    const kid = kidOf(parts.headerSegment);
    if (typeof kid !== 'string') return kid;
    const signature = decodeSignature(parts.signatureSegment);
    if (signature === undefined) return fail('credential_malformed', MESSAGES.signatureEncoding);
    if (listed === 0) return fail('keyset_unavailable', MESSAGES.keysetUnavailable);
    const key = keys.get(kid);
    if (key === undefined) return fail('unknown_signing_key', MESSAGES.unknownKey, { kid });
    if (!signatureHolds(parts.signingInput, key, signature)) {
      return fail('invalid_signature', MESSAGES.invalidSignature);
    }
    // Only now, with the signature holding, is any claim read.
    const payload = parseJsonObject(parts.payload);
    if (payload === undefined) return fail('credential_malformed', MESSAGES.claimsInvalid);
    const claims = checkClaims(payload);
    if ('ok' in claims) return claims;
    const ctx: BindingContext = {
      now,
      clockSkew: settings.clockSkew,
      maxLifetime: settings.maxLifetime,
      required: call.requiredCapabilities ?? settings.requiredCapabilities ?? bound.capabilities,
      expectedPosture: settings.expectedPosture,
    };
    return checkBinding(claims, bound, ctx) ?? { ok: true, claims, kid };
  };

  return {
    keyCount: keys.size,
    verify: async (token, action, call = {}) => run(token, action, call),
  };
}

function signatureHolds(signingInput: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    // Ed25519 signs the message itself: no digest algorithm (RFC 8032 §5.1.6, RFC 8037 §3.1).
    return verifySignature(null, signingInput, key, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies an approval credential offline for the action about to run, in the order and with
 * the reason codes of docs/domain.md §4 (rows 1–11). Resolves to `{ok: true, claims, kid}` or
 * `{ok: false, code, message, details?}`; rejects with a TypeError only on caller misuse.
 * Imports the key set on every call: build a verifier with {@link createVerifier} to verify
 * many credentials.
 *
 * @example
 * ```ts
 * import { verifyCredential } from 'countersign/verify';
 * const result = await verifyCredential(token, action, { jwks, now: new Date() });
 * if (!result.ok) {
 *   console.error(result.code, result.message, result.details);
 *   process.exit(1);
 * }
 * ```
 */
export async function verifyCredential(
  token: string,
  action: ActionInput,
  options: VerifyOptions,
): Promise<VerifyResult> {
  return createVerifier(options).verify(token, action);
}
