/**
 * `countersign/verify`: the offline approval-credential verifier. It needs only the token, the
 * action about to run and a JWKS, and imports nothing but jose types, canonicalize, node:crypto
 * and the domain types, so any Node runtime can verify without calling home.
 *
 * @example
 * ```ts
 * import { createVerifier, fetchJwks } from 'countersign/verify';
 * const verifier = createVerifier({ jwks: await fetchJwks(jwksUrl) });
 * const result = await verifier.verify(token, action);
 * if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
 * ```
 *
 * @packageDocumentation
 */
export { createVerifier, verifyCredential, type CredentialVerifier } from './verifier.js';
export { computeSpecHash } from './spec-hash.js';
export { actionHashOfClaims, boundFieldsOfClaims } from './action-hash.js';
export { decisionDifferences, type DecisionParts } from './decision-binding.js';
export { fetchJwks, KeySetUnavailableError, type FetchJwksOptions } from './fetch-jwks.js';
export { PURPOSE_MEMBER, STATUS_MEMBER } from './key-set.js';
export {
  CREDENTIAL_ALG,
  CREDENTIAL_TYPE,
  SUPPORTED_VERSIONS,
  type ActionInput,
  type CredentialClaims,
  type CredentialQuorum,
  type VerifyCallOptions,
  type VerifyCode,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
  type VerifySuccess,
} from './types.js';
