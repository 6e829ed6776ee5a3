/** Wire types of the Countersign API (JSON, camelCase), as the client sees them. */

export type ActionMode = 'execute' | 'dry-run';

/** An action as sent: `spec` or `specHash` (or both) identify exactly what will run. */
export interface ActionInput {
  kind: string;
  mode?: ActionMode;
  environment: string;
  project: string;
  spec?: unknown;
  specHash?: string;
  configHash?: string;
  pipelineVersion?: string;
  sourceEnvironment?: string;
  target?: string;
  capabilities?: string[];
  riskTags?: string[];
  constraints?: Record<string, unknown>;
  workflow?: string;
  runId?: string;
  stepId?: string;
  repository?: string;
  reason?: string;
}

export interface Quorum {
  min: number;
  groups: string[];
  mode: 'any' | 'each';
}

export interface Decision {
  decisionId: string;
  outcome: 'allow' | 'require_approval' | 'deny' | 'dry_run_only';
  reasonCode: string;
  reason: string;
  matchedRule: string | null;
  requiredCapabilities: string[];
  approverGroups: string[];
  quorum: Quorum | null;
  riskTags: string[];
  constraints: Record<string, unknown>;
  policySnapshot: string;
  actionHash: string;
  environment: string;
  posture: string | null;
  severity: string | null;
  credentialTtlSec: number;
  singleUse: boolean;
  routedBy: string | null;
  evaluatedAt: string;
}

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'revoked';

export interface PrincipalRef {
  id: string;
  kind: string;
  name: string;
  fingerprint: string;
}

export interface Approval {
  id: string;
  state: ApprovalState;
  storedState: ApprovalState;
  version: number;
  action: ActionInput & { specHash: string; mode: ActionMode };
  actionHash: string;
  decision: Decision;
  approverGroups: string[];
  quorum: Quorum;
  requestedBy: PrincipalRef;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  breakGlass: { reason: string; approverGroup: string; externalRef: string | null } | null;
  reviews: {
    reviewer: PrincipalRef;
    verdict: 'approve' | 'deny';
    reason: string;
    externalRef: string | null;
    groups: string[];
    at: string;
    /** `slack` when cast with a Slack button. */
    via?: string;
  }[];
  /** `actor` is the principal id; `actorName` its display name, resolved by the server. */
  history: {
    event: string;
    actor: string;
    actorName: string;
    at: string;
    reason?: string;
    externalRef?: string;
  }[];
  note: string | null;
  /** In full for the requester and admins; others get scheme and host only (`https://host/…`). */
  callbackUrl: string | null;
  progress: { approvals: number; min: number; missingGroups: string[]; met: boolean };
  canReview: boolean;
  cannotReviewReason: string | null;
  /** The verdicts the caller may cast now (empty when `canReview` is false). */
  reviewVerdicts: ('approve' | 'deny')[];
  /**
   * External records kept for this request (Slack message ts and channel, Jira issue key,
   * ServiceNow sys_id); only on a single request read.
   */
  records?: {
    provider: string;
    key: string;
    channel: string | null;
    createdAt: string;
    updatedAt: string;
  }[];
  /**
   * Single reads (`getApproval`) only: the registered pipeline version of the action's spec hash
   * in its project, or null when it is not registered.
   */
  registeredVersion?: RegisteredVersion | null;
  /** Whether an approve must state a reason (policy `approvalReason`); a deny always must. */
  reasonRequired: boolean;
  /** Whether the caller may cancel it now (pending; requester or admin). */
  canCancel: boolean;
  /** Whether the caller may revoke it now (approved; admin, approver, break-glass reviewer). */
  canRevoke: boolean;
  /** The policy's description of the matched rule, or null. */
  ruleDescription: string | null;
  /** Links (from `console.links` templates) for what the action names. */
  links: { repository?: string; workflow?: string; run?: string; commit?: string };
}

/** A pipeline version as reviewers see it on a request. */
export interface RegisteredVersion {
  version: string;
  registeredAt: string;
  registeredBy: string;
}

/** A registered pipeline version of a project. */
export interface PipelineVersion extends RegisteredVersion {
  project: string;
  specHash: string;
}

/** One audit event (docs/audit-log.md): exactly the object its Merkle leaf hashes. */
export interface AuditEvent {
  schema: string;
  type: string;
  eventId: string;
  at: string;
  actor: { id: string; kind: string; name: string };
  environment: string | null;
  project: string | null;
  approvalId: string | null;
  decisionId: string | null;
  approvalRequired: boolean | null;
  requiredCapabilities: string[];
  outcome: string;
  reasonCode: string | null;
  actionHash: string | null;
  specHash: string | null;
  details: Record<string, unknown>;
}

export interface AuditItem {
  index: number;
  event: AuditEvent;
}

export interface AuditPage {
  items: AuditItem[];
  nextCursor: string | null;
}

export interface AuditQuery {
  approval?: string;
  actor?: string;
  environment?: string;
  project?: string;
  type?: string;
  since?: string;
  until?: string;
  /** Case-insensitive text anywhere in the event. */
  q?: string;
  /** `desc`: newest first. */
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

/** The latest signed checkpoint as JSON (`GET /v1/audit/checkpoint`, Accept: application/json). */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: string;
  note: string;
  createdAt: string;
}

export interface InclusionProof {
  index: number;
  size: number;
  leafHash: string | null;
  rootHash: string;
  proof: string[];
  event: unknown;
}

/** `GET /v1/policy/break-glass-options`: the choices the break-glass form offers. */
export interface BreakGlassOptions {
  environments: {
    id: string;
    posture: string;
    description: string | null;
    declarerGroups: string[];
    approverGroups: string[];
    maxDurationSec: number;
    requireExternalRef: boolean;
    kinds: string[];
    /** Whether the caller is in a declarer group here. */
    mayDeclare: boolean;
  }[];
  projects: string[];
}

export interface CreateApprovalInput {
  action?: ActionInput;
  decisionId?: string;
  ttl?: string | number;
  callbackUrl?: string;
  note?: string;
  approverGroup?: string;
}

export interface BreakGlassInput {
  action: ActionInput;
  reason: string;
  approverGroup: string;
  expiresIn: string | number;
  externalRef?: string;
}

export interface ListApprovalsQuery {
  state?: ApprovalState;
  group?: string;
  environment?: string;
  project?: string;
  requestedBy?: string;
  /** Only requests for this action hash (`sha256:…`). */
  actionHash?: string;
  /** With `actionHash`: only approvals whose credential would pass the gate for it now. */
  usable?: boolean;
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface CredentialResponse {
  approvalId: string;
  token: string;
  kid: string;
  jti: string;
  issuedAt: string;
  expiresAt: string;
}

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  groups: string[];
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Redacted evidence of one notification delivery (no secret, token or full webhook URL). */
export interface DeliveryEvidence {
  id: string;
  /** `slack`, `teams`, `jira`, `servicenow`, `webhook` or `callback`. */
  provider: string;
  /** `requested`, `decided`, `break_glass`, `expiring_soon`. */
  event: string;
  /** The idempotency key receivers see (`webhook-id`, `idempotency-key`). */
  messageId: string;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  attempts: number;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  durationMs: number | null;
  responseStatus: number | null;
  /** The target URL with its secret parts replaced by `…`. */
  target: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  attemptLog: {
    at: string;
    durationMs: number;
    responseStatus: number | null;
    error: string | null;
  }[];
}
