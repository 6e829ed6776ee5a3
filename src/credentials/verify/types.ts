/**
 * Public types of the offline verifier. They live here, not in src/errors, because
 * `countersign/verify` must run with nothing but jose, the domain types and a JWKS.
 */
import type { JSONWebKeySet } from 'jose';
import type { Action, ActionMode } from '../../domain/action.js';
import type { Posture } from '../../domain/decision.js';

/**
 * The JWS `typ` header every approval credential carries (RFC 8725 §3.11 explicit typing).
 *
 * @example
 * ```ts
 * import { CREDENTIAL_TYPE } from 'countersign/verify';
 * response.headers.set('content-type', `application/${CREDENTIAL_TYPE}`);
 * ```
 */
export const CREDENTIAL_TYPE = 'countersign-approval+jwt';
/**
 * The only JWS algorithm a credential may use (Ed25519, RFC 8037). Checked before any key is
 * touched: `none`, `HS*` and `RS*` are refused as `credential_malformed`.
 *
 * @example
 * ```ts
 * import { CREDENTIAL_ALG } from 'countersign/verify';
 * console.log(CREDENTIAL_ALG); // 'EdDSA'
 * ```
 */
export const CREDENTIAL_ALG = 'EdDSA';
/**
 * Credential claim-set versions (`v`) this verifier understands.
 *
 * @example
 * ```ts
 * import { SUPPORTED_VERSIONS } from 'countersign/verify';
 * SUPPORTED_VERSIONS.includes(2); // true
 * ```
 */
export const SUPPORTED_VERSIONS: readonly number[] = [2];

/**
 * Reason codes of offline verification, in the order of docs/credential-format.md (rows 1–12)
 * plus `keyset_unavailable`. Offline, `decision_mismatch` means the action declares a risk tag or a
 * constraint the approval did not cover; the gate also re-decides the action under the current
 * policy. Rows 13–16 need the service's state and are checked online only.
 *
 * @example
 * ```ts
 * import { verifyCredential, type VerifyCode } from 'countersign/verify';
 * const result = await verifyCredential(token, action, { jwks });
 * if (!result.ok) {
 *   const code: VerifyCode = result.code; // e.g. 'expired'
 * }
 * ```
 */
export type VerifyCode =
  | 'credential_malformed'
  | 'keyset_unavailable'
  | 'unknown_signing_key'
  | 'invalid_signature'
  | 'unsupported_version'
  | 'action_mismatch'
  | 'scope_mismatch'
  | 'spec_hash_mismatch'
  | 'config_hash_mismatch'
  | 'environment_mismatch'
  | 'posture_mismatch'
  | 'not_yet_valid'
  | 'expired'
  | 'insufficient_capabilities'
  | 'decision_mismatch';

/**
 * The quorum an approval was decided under: `min` approvals from `groups` (`any`: from any listed
 * group; `each`: at least one from every group). Groups are sorted.
 *
 * @example
 * ```ts
 * const quorum: CredentialQuorum = { min: 2, mode: 'each', groups: ['release-managers', 'sre'] };
 * ```
 */
export interface CredentialQuorum {
  min: number;
  mode: 'any' | 'each';
  groups: string[];
}

/**
 * The verified claim set of an approval credential (version 2). Times are whole seconds since
 * the epoch; `cap` and `risk_tags` are sorted. `risk_tags` and `constraints` are the ones the
 * reviewers approved (after the policy's overlays): a runtime enforces `constraints` (for example
 * it refuses to run past `constraints.max_runtime_sec`).
 *
 * @example
 * ```ts
 * const result = await verifyCredential(token, action, { jwks });
 * if (result.ok) {
 *   const claims: CredentialClaims = result.claims;
 *   console.log(claims.sub, claims.approvers.map((a) => a.sub), claims.constraints);
 * }
 * ```
 */
export interface CredentialClaims {
  v: 2;
  iss: string;
  /** The approval id. */
  sub: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  project: string;
  env: string;
  posture: Posture;
  action: {
    kind: string;
    mode: ActionMode;
    target?: string;
    repository?: string;
    source_env?: string;
    pipeline_version?: string;
  };
  spec_hash: string;
  config_hash?: string;
  cap: string[];
  /** Risk tags after the policy's overlays, sorted. */
  risk_tags: string[];
  /** Constraints after the policy's overlays: bounds the executor must honour. */
  constraints: Record<string, unknown>;
  /** The policy rule that decided the approval (`decision.matchedRule`). */
  rule: string | null;
  /** The quorum that decided who may approve. */
  quorum: CredentialQuorum | null;
  /** The action hash of the approval: `sha256:` of JCS of the bound fields (docs/credential-format.md). */
  action_hash: string;
  /** The policy snapshot (`sha256:` of JCS of the policy document) at issue time. */
  policy: string;
  requested_by: string;
  approvers: { sub: string; groups: string[] }[];
  break_glass: boolean;
  single_use: boolean;
}

/**
 * The action a runtime is about to perform: the docs/domain.md §1 action JSON. Send `spec` (hashed
 * here with RFC 8785 JCS) or `specHash`. `mode` defaults to `execute`, `capabilities` to none.
 *
 * @example
 * ```ts
 * const action: ActionInput = {
 *   kind: 'deploy',
 *   environment: 'prod-eu',
 *   project: 'payments',
 *   spec: { pipeline: 'payments', version: '2026.01.3' },
 *   capabilities: ['deploy:prod'],
 * };
 * ```
 */
export type ActionInput = Pick<Action, 'kind' | 'environment' | 'project'> &
  Partial<Omit<Action, 'kind' | 'environment' | 'project'>>;

/**
 * Options of {@link verifyCredential} and {@link createVerifier}.
 *
 * @example
 * ```ts
 * const options: VerifyOptions = {
 *   jwks: JSON.parse(await readFile('jwks.json', 'utf8')),
 *   clockSkew: 30,
 *   maxLifetime: 3600,
 *   expectedPosture: 'prod',
 * };
 * ```
 */
export interface VerifyOptions {
  /** The public key set (`/.well-known/jwks.json`). Missing or empty: `keyset_unavailable`. */
  jwks: JSONWebKeySet | undefined;
  /** The time to verify at: a Date or milliseconds since the epoch. Default: now. */
  now?: Date | number;
  /** Tolerance for `nbf`, in seconds (never extends `exp`). Default 30. */
  clockSkew?: number;
  /** Longest accepted lifetime (`exp - iat`), in seconds. Default 86400 (24 h). */
  maxLifetime?: number;
  /** Capabilities the credential must grant. Default: the action's `capabilities`. */
  requiredCapabilities?: readonly string[];
  /** When set, the credential's `posture` must equal it (`posture_mismatch`). */
  expectedPosture?: string;
}

/**
 * Per-call options of a verifier built by {@link createVerifier}.
 *
 * @example
 * ```ts
 * const result = await verifier.verify(token, action, { now: Date.now() });
 * ```
 */
export interface VerifyCallOptions {
  now?: Date | number;
  requiredCapabilities?: readonly string[];
}

/**
 * A successful verification: the signature holds and the credential covers the action.
 *
 * @example
 * ```ts
 * const result = await verifyCredential(token, action, { jwks });
 * if (result.ok) console.log('approved by', result.claims.approvers, 'key', result.kid);
 * ```
 */
export interface VerifySuccess {
  ok: true;
  claims: CredentialClaims;
  /** The key that signed the credential. */
  kid: string;
}

/**
 * A failed verification: the first failing check of docs/domain.md §4. `message` never holds the
 * token or its signature; `details` names hashes, fields or missing capabilities.
 *
 * @example
 * ```ts
 * const result = await verifyCredential(token, action, { jwks });
 * if (!result.ok && result.code === 'spec_hash_mismatch') {
 *   console.error(result.message, result.details);
 * }
 * ```
 */
export interface VerifyFailure {
  ok: false;
  code: VerifyCode;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The answer of a verification.
 *
 * @example
 * ```ts
 * const result: VerifyResult = await verifyCredential(token, action, { jwks });
 * process.exitCode = result.ok ? 0 : 1;
 * ```
 */
export type VerifyResult = VerifySuccess | VerifyFailure;

export function fail(
  code: VerifyCode,
  message: string,
  details?: Record<string, unknown>,
): VerifyFailure {
  return details === undefined
    ? { ok: false, code, message }
    : { ok: false, code, message, details };
}
