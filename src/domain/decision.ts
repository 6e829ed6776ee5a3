/** A policy decision about one action (docs/domain.md §2). */

export type DecisionOutcome = 'allow' | 'require_approval' | 'deny' | 'dry_run_only';

export type QuorumMode = 'any' | 'each';

export interface Quorum {
  min: number;
  groups: string[];
  mode: QuorumMode;
}

export type Posture = 'dev' | 'staging' | 'prod';

/**
 * Reason codes of a decision. `allow*` for allowed, `approval_required` for require_approval,
 * the deny codes match the gate codes of docs/domain.md §4–5.
 */
export type DecisionReasonCode =
  | 'allowed_by_environment'
  | 'allowed_by_rule'
  | 'dry_run_allowed'
  | 'approval_required'
  | 'action_denied_by_posture'
  | 'dry_run_only'
  | 'replay_disabled'
  | 'no_approver_group'
  | 'unknown_environment';

export interface Decision {
  decisionId: string;
  outcome: DecisionOutcome;
  reasonCode: DecisionReasonCode;
  reason: string;
  /** `environments.<env>.actions.<kind>`, `rules.<id>`, `environments.<env>.sideEffects`, … */
  matchedRule: string | null;
  requiredCapabilities: string[];
  approverGroups: string[];
  quorum: Quorum | null;
  riskTags: string[];
  constraints: Record<string, unknown>;
  policySnapshot: string;
  actionHash: string;
  environment: string;
  posture: Posture | null;
  severity: string | null;
  /** Credential lifetime for this action, seconds (before the deployment's maximum). */
  credentialTtlSec: number;
  singleUse: boolean;
  /** Whether a routing rule replaced the approver groups, and which. */
  routedBy: string | null;
  evaluatedAt: string;
}

/** A decision before the service gives it an id and a time. */
export type DecisionDraft = Omit<Decision, 'decisionId' | 'evaluatedAt'>;
