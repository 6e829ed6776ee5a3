/**
 * Shape checks of the claim set, run only after the signature holds (docs/domain.md §4 rows 1 and 4).
 * `v` is read first: each version defines its own claims, so a claim set of an unknown version
 * is `unsupported_version`, not `credential_malformed`.
 */
import { fail, SUPPORTED_VERSIONS, type CredentialClaims, type VerifyFailure } from './types.js';
import { claimInvalidMessage, MESSAGES } from './messages.js';

const HASH_REF = /^sha256:[0-9a-f]{64}$/;
const POSTURES: ReadonlySet<unknown> = new Set(['dev', 'staging', 'prod']);
const MODES: ReadonlySet<unknown> = new Set(['execute', 'dry-run']);

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isText);
}
function isHashRef(value: unknown): value is string {
  return typeof value === 'string' && HASH_REF.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isOptionalText(value: unknown): boolean {
  return value === undefined || isText(value);
}

function isAction(value: unknown): boolean {
  if (!isObject(value)) return false;
  return (
    isText(value.kind) &&
    MODES.has(value.mode) &&
    isOptionalText(value.target) &&
    isOptionalText(value.repository) &&
    isOptionalText(value.source_env) &&
    isOptionalText(value.pipeline_version)
  );
}

function isQuorum(value: unknown): boolean {
  if (value === null) return true;
  if (!isObject(value)) return false;
  return (
    typeof value.min === 'number' &&
    Number.isSafeInteger(value.min) &&
    value.min >= 1 &&
    (value.mode === 'any' || value.mode === 'each') &&
    isTextList(value.groups)
  );
}

function isApprovers(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return false;
      const approver = entry as Record<string, unknown>;
      return isText(approver.sub) && isTextList(approver.groups);
    })
  );
}

/** Claim name → check, in the order of the claim list of docs/domain.md §4. */
const CLAIM_CHECKS: readonly (readonly [string, (value: unknown) => boolean, boolean])[] = [
  ['iss', isText, true],
  ['sub', isText, true],
  ['jti', isText, true],
  ['iat', isSeconds, true],
  ['nbf', isSeconds, true],
  ['exp', isSeconds, true],
  ['project', isText, true],
  ['env', isText, true],
  ['posture', (v) => POSTURES.has(v), true],
  ['action', isAction, true],
  ['spec_hash', isHashRef, true],
  ['config_hash', isHashRef, false],
  ['cap', isTextList, true],
  ['risk_tags', isTextList, true],
  ['constraints', isObject, true],
  ['rule', (v) => v === null || isText(v), true],
  ['quorum', isQuorum, true],
  ['action_hash', isHashRef, true],
  ['policy', isText, true],
  ['requested_by', isText, true],
  ['approvers', isApprovers, true],
  ['break_glass', (v) => typeof v === 'boolean', true],
  ['single_use', (v) => typeof v === 'boolean', true],
];

/** Validates a decoded claim set; returns it typed, or the first failure. */
export function checkClaims(payload: Record<string, unknown>): CredentialClaims | VerifyFailure {
  const version = payload.v;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    return fail('credential_malformed', claimInvalidMessage('v'), { claim: 'v' });
  }
  if (!SUPPORTED_VERSIONS.includes(version)) {
    return fail('unsupported_version', MESSAGES.unsupportedVersion, {
      version,
      supported: [...SUPPORTED_VERSIONS],
    });
  }
  for (const [name, check, required] of CLAIM_CHECKS) {
    const value = payload[name];
    if (value === undefined && !required) continue;
    if (!check(value))
      return fail('credential_malformed', claimInvalidMessage(name), { claim: name });
  }
  const claims = payload as unknown as CredentialClaims;
  if (claims.exp <= claims.iat) return fail('credential_malformed', MESSAGES.expNotAfterIat);
  if (claims.nbf < claims.iat || claims.nbf >= claims.exp) {
    return fail('credential_malformed', MESSAGES.nbfOutOfRange);
  }
  return claims;
}
