/**
 * The fixed messages of verification failures, in the words of docs/domain.md §4 and RFC 7515/7519.
 * None of them ever carries the token, its signature or any other attacker-chosen text.
 */
export const MESSAGES = {
  notCompact: 'credential is not a JWS Compact Serialization',
  headerInvalid: 'JWS Protected Header is not a base64url-encoded JSON object',
  algNotAllowed: '"alg" (Algorithm) Header Parameter value not allowed',
  typNotAllowed: '"typ" (Type) Header Parameter value not allowed',
  critUnsupported: '"crit" (Critical) Header Parameter not supported',
  kidInvalid: '"kid" (Key ID) Header Parameter missing or invalid',
  signatureEncoding: 'JWS Signature is not a base64url-encoded Ed25519 signature',
  keysetUnavailable: 'no key set is available to verify the credential',
  unknownKey: 'no credential key in the key set matches the "kid" Header Parameter',
  invalidSignature: 'signature verification failed',
  claimsInvalid: 'JWT Claims Set is not a base64url-encoded JSON object',
  unsupportedVersion: 'credential version is not supported',
  expNotAfterIat: '"exp" claim must be after "iat"',
  nbfOutOfRange: '"nbf" claim must not be before "iat" nor at or after "exp"',
  lifetimeTooLong: 'credential lifetime exceeds the maximum lifetime',
  actionKind: 'credential action kind differs from the action',
  actionMode: 'credential action mode differs from the action',
  actionTarget: 'credential action target differs from the action',
  actionRepository: 'credential repository differs from the action',
  actionSourceEnvironment: 'credential source environment differs from the action',
  actionPipelineVersion: 'credential pipeline version differs from the action',
  scope: 'credential project differs from the action',
  specHash: 'credential spec hash differs from the action spec hash',
  configHash: 'credential config hash differs from the action config hash',
  environment: 'credential environment differs from the action',
  posture: 'credential posture differs from the expected posture',
  notYetValid: 'credential is not yet valid',
  expired: 'credential has expired',
  capabilities: 'credential lacks required capabilities',
  riskTagsUnbound: 'the action declares risk tags the approval did not cover',
  constraintsUnbound: 'the action declares constraints the approval did not cover',
} as const;

/** `"<name>" claim missing or invalid`: names our claim, never echoes its value. */
export function claimInvalidMessage(name: string): string {
  return `"${name}" claim missing or invalid`;
}
