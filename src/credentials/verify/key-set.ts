/**
 * Imports a JWKS once into a map kid → KeyObject, keeping only the keys that may verify
 * credentials: Ed25519 (`kty: OKP`, `crv: Ed25519`), marked `"countersign:purpose": "credential"`,
 * not marked revoked. Parsing happens here, never per verification.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';

/**
 * The JWKS member naming what a key signs: `credential` or `checkpoint` (docs/domain.md §6). Only
 * `credential` keys verify credentials.
 *
 * @example
 * ```ts
 * import { PURPOSE_MEMBER } from 'countersign/verify';
 * const credentialKeys = jwks.keys.filter((k) => k[PURPOSE_MEMBER] === 'credential');
 * ```
 */
export const PURPOSE_MEMBER = 'countersign:purpose';
/**
 * The JWKS member carrying a key's status: `active` or `retired`. Revoked keys are absent from a
 * published set; a key marked `revoked` never verifies.
 *
 * @example
 * ```ts
 * import { STATUS_MEMBER } from 'countersign/verify';
 * const retired = jwks.keys.filter((k) => k[STATUS_MEMBER] === 'retired');
 * ```
 */
export const STATUS_MEMBER = 'countersign:status';

const ED25519_X = /^[A-Za-z0-9_-]{43}$/;

export interface ImportedKeySet {
  /** Credential keys by kid. */
  keys: ReadonlyMap<string, KeyObject>;
  /** How many keys the JWKS listed, of any kind. */
  listed: number;
}

/** True when the JWKS is missing or lists no keys at all: `keyset_unavailable`. */
export function isEmptyKeySet(jwks: JSONWebKeySet | undefined | null): boolean {
  return (
    typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys) || jwks.keys.length === 0
  );
}

/**
 * attacker-controlled when the JWKS came over the network: parse defensively and drop what does
 * not fit. A kid listed twice with different key material is ambiguous and dropped (fail closed).
 */
export function importKeySet(jwks: JSONWebKeySet | undefined | null): ImportedKeySet {
  const keys = new Map<string, KeyObject>();
  if (isEmptyKeySet(jwks)) return { keys, listed: 0 };
  const entries = (jwks as JSONWebKeySet).keys as unknown[];
  const material = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const entry of entries) {
    const usable = usableCredentialKey(entry);
    if (usable === undefined) continue;
    const seen = material.get(usable.kid);
    if (seen !== undefined && seen !== usable.x) ambiguous.add(usable.kid);
    if (seen !== undefined) continue;
    const key = toKeyObject(usable.x);
    if (key === undefined) continue;
    material.set(usable.kid, usable.x);
    keys.set(usable.kid, key);
  }
  for (const kid of ambiguous) keys.delete(kid);
  return { keys, listed: entries.length };
}

function usableCredentialKey(entry: unknown): { kid: string; x: string } | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const jwk = entry as Record<string, unknown>;
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) return undefined;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') return undefined;
  if (typeof jwk.x !== 'string' || !ED25519_X.test(jwk.x)) return undefined;
  // docs/domain.md §6: only keys marked for credentials verify credentials (never the audit key).
  if (jwk[PURPOSE_MEMBER] !== 'credential') return undefined;
  if (jwk[STATUS_MEMBER] === 'revoked') return undefined;
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes('verify')) return undefined;
  }
  return { kid: jwk.kid, x: jwk.x };
}

function toKeyObject(x: string): KeyObject | undefined {
  try {
    // Only the public members: a stray `d` in a published set must never be used.
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    return undefined;
  }
}
