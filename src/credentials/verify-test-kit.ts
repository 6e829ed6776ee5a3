/**
 * Shared fixtures of the verifier's tests: one signing key, a second key outside the set, a token
 * builder and assertions on failures (code and exact message). Test-only.
 */
import * as assert from 'node:assert/strict';
import type { JSONWebKeySet } from 'jose';
import {
  actionFor,
  claimsFor,
  credentialHeader,
  NOW_MS,
  signCompact,
  SPEC,
  testKey,
} from './testing.js';
import { computeSpecHash } from './verify/spec-hash.js';
import type { ActionInput, CredentialClaims, VerifyOptions, VerifyResult } from './verify/types.js';
import { verifyCredential } from './verify/verifier.js';

export const key = testKey('key-2026-01');
export const other = testKey('key-other');
export const SPEC_HASH = computeSpecHash(SPEC);
export const JWKS: JSONWebKeySet = { keys: [key.jwk] };

export function token(
  overrides: Partial<CredentialClaims> = {},
  header = credentialHeader(key.kid),
) {
  return signCompact(header, claimsFor(SPEC_HASH, overrides), key.privateKey);
}

export async function verify(
  t: string,
  action: ActionInput = actionFor(),
  options: Partial<VerifyOptions> = {},
): Promise<VerifyResult> {
  return verifyCredential(t, action, { jwks: JWKS, now: NOW_MS, ...options });
}

export async function expectFailure(
  result: Promise<VerifyResult>,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): Promise<void> {
  const r = await result;
  assert.equal(r.ok, false, 'verification must fail');
  if (r.ok) return;
  assert.equal(r.code, code);
  assert.equal(r.message, message);
  if (details !== undefined) assert.deepEqual(r.details, details);
}
