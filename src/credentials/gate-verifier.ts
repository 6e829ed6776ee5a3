/**
 * The gate's verifier: the offline verifier over the key ring's public keys, rebuilt when the
 * key ring changes (rotation, revocation) and kept per posture so the expected posture is checked
 * in its place in the verification order.
 */
import type { Action } from '../domain/action.js';
import type { KeyRing } from './keyring.js';
import { createVerifier, PURPOSE_MEMBER, type CredentialVerifier } from './verify/index.js';

export interface GateVerifierOptions {
  clockSkewMs: number;
  maxCredentialTtlMs: number;
}

export function createGateVerifier(
  keyRing: Pick<KeyRing, 'publicJwks' | 'generation'>,
  opts: GateVerifierOptions,
) {
  let generation = -1;
  const byPosture = new Map<string, CredentialVerifier>();
  const verifierFor = (posture: string | null): CredentialVerifier => {
    if (keyRing.generation !== generation) {
      byPosture.clear();
      generation = keyRing.generation;
    }
    const key = posture ?? '';
    let v = byPosture.get(key);
    if (!v) {
      v = createVerifier({
        jwks: keyRing.publicJwks() as never,
        clockSkew: Math.floor(opts.clockSkewMs / 1000),
        maxLifetime: Math.floor(opts.maxCredentialTtlMs / 1000),
        ...(posture ? { expectedPosture: posture } : {}),
      });
      byPosture.set(key, v);
    }
    return v;
  };
  const hasCredentialKey = (): boolean =>
    keyRing
      .publicJwks()
      .keys.some((k) => (k as unknown as Record<string, unknown>)[PURPOSE_MEMBER] === 'credential');
  return {
    async verify(
      token: string,
      action: Action,
      o: { posture: string | null; requiredCapabilities: readonly string[]; nowMs: number },
    ) {
      // no credential key at all (every one revoked): the key set is unavailable, fail closed
      if (!hasCredentialKey()) {
        return {
          ok: false as const,
          code: 'keyset_unavailable' as const,
          message: 'no credential key is available to verify with',
        };
      }
      return verifierFor(o.posture).verify(token, action, {
        now: o.nowMs,
        requiredCapabilities: o.requiredCapabilities,
      });
    },
  };
}
