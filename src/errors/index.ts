/**
 * Error families with closed code unions. Callers `switch (err.code)`; the HTTP layer maps each
 * code to a status through {@link statusForCode}. Messages never carry tokens, keys or secrets.
 */

/** Codes of broken evidence: the credential (or proof) itself is wrong. docs/domain.md §4. */
export type CredentialErrorCode =
  | 'credential_malformed'
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
  | 'approval_revoked'
  | 'credential_consumed'
  | 'policy_snapshot_mismatch'
  | 'keyset_unavailable';

/** Codes of "valid, but not allowed": policy and gate outcomes, separation of duties. */
export type PolicyErrorCode =
  | 'approval_required'
  | 'action_denied_by_posture'
  | 'dry_run_only'
  | 'replay_disabled'
  | 'source_environment_mismatch'
  | 'pipeline_version_unresolved'
  | 'pipeline_version_mismatch'
  | 'spec_hash_not_registered'
  | 'no_approver_group'
  | 'self_approval'
  | 'not_eligible'
  | 'forbidden'
  | 'break_glass_not_allowed';

export type ConflictErrorCode =
  | 'already_reviewed'
  | 'approval_not_pending'
  | 'approval_not_approved'
  | 'credential_not_ready'
  | 'decision_mismatch'
  | 'approval_not_required'
  | 'already_revoked'
  | 'approval_already_pending'
  | 'not_found';

export type AuthErrorCode = 'unauthenticated';

export type InputErrorCode =
  'validation_failed' | 'approver_group_not_allowed' | 'payload_too_large' | 'unknown_environment';

export type ServiceErrorCode =
  'audit_unavailable' | 'audit_not_integrated' | 'rate_limited' | 'internal';

export type ErrorCode =
  | CredentialErrorCode
  | PolicyErrorCode
  | ConflictErrorCode
  | AuthErrorCode
  | InputErrorCode
  | ServiceErrorCode;

/** One field problem: a JSON-pointer-like path and a message. */
export interface FieldError {
  path: string;
  message: string;
}

abstract class CountersignError<C extends ErrorCode> extends Error {
  readonly code: C;
  readonly details: Record<string, unknown> | undefined;
  constructor(
    code: C,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    this.details = options?.details;
  }
}

/** The evidence is broken (bad token, bad proof). */
export class CredentialError extends CountersignError<CredentialErrorCode> {}
/** The evidence is fine but the action is not allowed. */
export class PolicyError extends CountersignError<PolicyErrorCode> {}
/** The resource is not in a state that allows this, or does not exist. */
export class ConflictError extends CountersignError<ConflictErrorCode> {}
/** Who are you? Missing or invalid authentication. */
export class AuthError extends CountersignError<AuthErrorCode> {}
/** The request itself is wrong. */
export class InputError extends CountersignError<InputErrorCode> {
  readonly errors: FieldError[];
  constructor(
    code: InputErrorCode,
    message: string,
    errors: FieldError[] = [],
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(code, message, options);
    this.errors = errors;
  }
}
/** A dependency failed; governed actions fail closed. */
export class ServiceError extends CountersignError<ServiceErrorCode> {}

/**
 * The gate's refusal of an action: any code (a policy outcome, a credential problem, a conflict),
 * with the decision in `details`. The gate answers 403 for every refusal (decision_mismatch
 * included, which is 409 where attach-decision refuses a decision); only unavailability is 5xx.
 */
export class GateRefusal extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.name = 'GateRefusal';
    this.details = details;
  }
}

export type AnyCountersignError =
  CredentialError | PolicyError | ConflictError | AuthError | InputError | ServiceError;

export function isCountersignError(err: unknown): err is AnyCountersignError {
  return (
    err instanceof CredentialError ||
    err instanceof PolicyError ||
    err instanceof ConflictError ||
    err instanceof AuthError ||
    err instanceof InputError ||
    err instanceof ServiceError
  );
}

const STATUS: Record<ErrorCode, number> = {
  credential_malformed: 403,
  unknown_signing_key: 403,
  invalid_signature: 403,
  unsupported_version: 403,
  action_mismatch: 403,
  scope_mismatch: 403,
  spec_hash_mismatch: 403,
  config_hash_mismatch: 403,
  environment_mismatch: 403,
  posture_mismatch: 403,
  not_yet_valid: 403,
  expired: 403,
  insufficient_capabilities: 403,
  approval_revoked: 403,
  credential_consumed: 403,
  policy_snapshot_mismatch: 403,
  keyset_unavailable: 503,
  approval_required: 403,
  action_denied_by_posture: 403,
  dry_run_only: 403,
  replay_disabled: 403,
  source_environment_mismatch: 403,
  pipeline_version_unresolved: 403,
  pipeline_version_mismatch: 403,
  spec_hash_not_registered: 403,
  no_approver_group: 403,
  self_approval: 403,
  not_eligible: 403,
  forbidden: 403,
  break_glass_not_allowed: 403,
  already_reviewed: 409,
  approval_not_pending: 409,
  approval_not_approved: 409,
  credential_not_ready: 409,
  decision_mismatch: 409,
  approval_not_required: 409,
  already_revoked: 409,
  approval_already_pending: 409,
  not_found: 404,
  unauthenticated: 401,
  validation_failed: 400,
  approver_group_not_allowed: 400,
  payload_too_large: 413,
  unknown_environment: 400,
  audit_unavailable: 503,
  audit_not_integrated: 503,
  rate_limited: 429,
  internal: 500,
};

/** The one table from error code to HTTP status. */
export function statusForCode(code: ErrorCode): number {
  return STATUS[code];
}

/** The status of a gate refusal: 403, or the code's own status when it is an unavailability. */
export function statusForGateRefusal(code: ErrorCode): number {
  const status = statusForCode(code);
  return status >= 500 ? status : 403;
}

export const ERROR_CODES = Object.keys(STATUS) as ErrorCode[];
