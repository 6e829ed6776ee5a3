/** Credentials: the key ring and JWKS, issuing, and (in verify/) the offline verifier. */
export {
  openKeyRing,
  type KeyInfo,
  type KeyPurpose,
  type KeyRing,
  type KeyRingOptions,
  type KeyStatus,
  type SigningKey,
} from './keyring.js';
export type { PublicJwk, PublicJwks } from './jwks.js';
export {
  issueCredential,
  type CredentialInput,
  type IssueDeps,
  type IssuedCredential,
} from './issue.js';
export * from './verify/index.js';
