/**
 * CLI exit codes: 0 ok, 1 rejected/denied, 2 usage or input, 3 not found/conflict, 4 auth,
 * 5 unavailable (server unreachable, 5xx, audit log unavailable: try again), 6 still pending when
 * `approval wait` timed out.
 */
export const EXIT = {
  ok: 0,
  rejected: 1,
  usage: 2,
  conflict: 3,
  auth: 4,
  unavailable: 5,
  pending: 6,
} as const;

/** Codes that mean "the check said no" rather than "you may not ask". */
const REJECTION_CODES = new Set([
  'credential_malformed',
  'unknown_signing_key',
  'invalid_signature',
  'unsupported_version',
  'action_mismatch',
  'scope_mismatch',
  'spec_hash_mismatch',
  'config_hash_mismatch',
  'environment_mismatch',
  'posture_mismatch',
  'not_yet_valid',
  'expired',
  'insufficient_capabilities',
  'approval_revoked',
  'credential_consumed',
  'policy_snapshot_mismatch',
  'approval_required',
  'action_denied_by_posture',
  'dry_run_only',
  'replay_disabled',
  'source_environment_mismatch',
  'pipeline_version_unresolved',
  'pipeline_version_mismatch',
  'spec_hash_not_registered',
  'keyset_unavailable',
]);

export function exitCodeFor(status: number, code: string): number {
  // the gate's decision_mismatch (403) is a rejection; attach-decision's (409) a conflict
  if (code === 'decision_mismatch') return status === 409 ? EXIT.conflict : EXIT.rejected;
  if (REJECTION_CODES.has(code)) return EXIT.rejected;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404 || status === 409) return EXIT.conflict;
  if (status === 400 || status === 413 || status === 415) return EXIT.usage;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  return EXIT.rejected;
}
