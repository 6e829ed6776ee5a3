/**
 * Issues approval credentials (docs/domain.md §4): a JWS compact token signed with the newest active
 * credential key, never the checkpoint key. Claims are checked by the same code the verifier
 * runs, so nothing is issued that a verifier would call malformed.
 */
import { CompactSign } from 'jose';
import type { ActionMode } from '../domain/action.js';
import { boundQuorum, sortedUnique } from '../domain/action.js';
import type { Posture, Quorum } from '../domain/decision.js';
import { actionHashOfClaims } from './verify/action-hash.js';
import type { Clock } from '../lib/clock.js';
import { randomIds, type IdGenerator } from '../lib/ids.js';
import { checkClaims } from './verify/claims.js';
import { CREDENTIAL_ALG, CREDENTIAL_TYPE, type CredentialClaims } from './verify/types.js';
import type { KeyRing } from './keyring.js';

/** What an approved request binds into its credential. */
export interface CredentialInput {
  approvalId: string;
  project: string;
  environment: string;
  posture: Posture;
  action: {
    kind: string;
    mode: ActionMode;
    target?: string | null;
    repository?: string | null;
    sourceEnvironment?: string | null;
    pipelineVersion?: string | null;
  };
  specHash: string;
  configHash?: string | null;
  capabilities: readonly string[];
  /** Risk tags after the policy's overlays. */
  riskTags: readonly string[];
  /** Constraints after the policy's overlays: what the executor must honour. */
  constraints: Record<string, unknown>;
  /** The matched policy rule. */
  rule: string | null;
  quorum: Quorum | null;
  /** The policy snapshot the decision was made under. */
  policySnapshot: string;
  /** Principal id of the requester. */
  requestedBy: string;
  approvers: readonly { sub: string; groups: readonly string[] }[];
  breakGlass: boolean;
  singleUse: boolean;
}

export interface IssueDeps {
  keyRing: Pick<KeyRing, 'activeKey'>;
  clock: Clock;
  /** The credential `iss` (`signing.issuer`). */
  issuer: string;
  /** Lifetime for this action (policy), milliseconds. */
  ttlMs: number;
  /** Deployment maximum (`signing.maxCredentialTtl`), milliseconds. */
  maxTtlMs: number;
  ids?: IdGenerator;
}

export interface IssuedCredential {
  token: string;
  claims: CredentialClaims;
  kid: string;
}

function lifetimeSeconds(ttlMs: number, maxTtlMs: number): number {
  const seconds = Math.floor(Math.min(ttlMs, maxTtlMs) / 1000);
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new TypeError('credential lifetime must be at least one second');
  }
  return seconds;
}

/** The claim set, in the order of docs/credential-format.md. */
function buildClaims(input: CredentialInput, deps: IssueDeps): CredentialClaims {
  const iat = Math.floor(deps.clock.now() / 1000);
  const a = input.action;
  const action: CredentialClaims['action'] = { kind: a.kind, mode: a.mode };
  if (a.target !== undefined && a.target !== null) action.target = a.target;
  if (a.repository !== undefined && a.repository !== null) action.repository = a.repository;
  if (a.sourceEnvironment !== undefined && a.sourceEnvironment !== null) {
    action.source_env = a.sourceEnvironment;
  }
  if (a.pipelineVersion !== undefined && a.pipelineVersion !== null) {
    action.pipeline_version = a.pipelineVersion;
  }
  const claims: CredentialClaims = {
    v: 2,
    iss: deps.issuer,
    sub: input.approvalId,
    jti: (deps.ids ?? randomIds).next('crd'),
    iat,
    nbf: iat,
    exp: iat + lifetimeSeconds(deps.ttlMs, deps.maxTtlMs),
    project: input.project,
    env: input.environment,
    posture: input.posture,
    action,
    spec_hash: input.specHash,
    ...(input.configHash === undefined || input.configHash === null
      ? {}
      : { config_hash: input.configHash }),
    cap: sortedUnique(input.capabilities),
    risk_tags: sortedUnique(input.riskTags),
    constraints: { ...input.constraints },
    rule: input.rule,
    quorum: boundQuorum(input.quorum),
    action_hash: '',
    policy: input.policySnapshot,
    requested_by: input.requestedBy,
    approvers: input.approvers.map((x) => ({ sub: x.sub, groups: sortedUnique(x.groups) })),
    break_glass: input.breakGlass,
    single_use: input.singleUse,
  };
  // the hash of exactly the bound facts the claims carry (what the reviewers approved)
  claims.action_hash = actionHashOfClaims(claims);
  return claims;
}

/**
 * Signs a credential for an approved request. Lifetime is `min(ttlMs, maxTtlMs)`, `exp` in whole
 * seconds. Throws a TypeError when the input would make a credential the verifier refuses, and
 * `keyset_unavailable` when no credential key is active.
 */
export async function issueCredential(
  input: CredentialInput,
  deps: IssueDeps,
): Promise<IssuedCredential> {
  const claims = buildClaims(input, deps);
  const checked = checkClaims(claims as unknown as Record<string, unknown>);
  if ('ok' in checked) throw new TypeError(`cannot issue credential: ${checked.message}`);
  const key = deps.keyRing.activeKey('credential');
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  const token = await new CompactSign(payload)
    .setProtectedHeader({ alg: CREDENTIAL_ALG, kid: key.kid, typ: CREDENTIAL_TYPE })
    .sign(key.privateKey);
  return { token, claims, kid: key.kid };
}
