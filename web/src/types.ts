/** The shapes of the public REST API that the console reads (see /openapi.json). */

export interface PrincipalRef {
  id: string;
  kind: string;
  name: string;
  fingerprint: string;
}

export interface Action {
  kind: string;
  mode: string;
  environment: string;
  project: string;
  specHash: string;
  configHash?: string;
  pipelineVersion?: string;
  sourceEnvironment?: string;
  target?: string;
  capabilities: string[];
  riskTags: string[];
  constraints: Record<string, unknown>;
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
  outcome: string;
  reasonCode: string;
  reason: string;
  matchedRule: string | null;
  requiredCapabilities: string[];
  approverGroups: string[];
  riskTags: string[];
  constraints: Record<string, unknown>;
  policySnapshot: string;
  actionHash: string;
  credentialTtlSec: number;
  environment: string;
  posture: string | null;
  severity: string | null;
}

export interface Review {
  reviewer: PrincipalRef;
  verdict: string;
  reason: string;
  externalRef: string | null;
  groups: string[];
  at: string;
  /** `slack` when cast with a Slack button. */
  via?: string;
}

/** An external record kept for a request: Slack message, Jira issue, ServiceNow change. */
export interface ApprovalRecord {
  provider: string;
  /** Slack message ts, Jira issue key, ServiceNow sys_id. */
  key: string;
  /** Slack: the channel id. */
  channel: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryEntry {
  event: string;
  actor: string;
  at: string;
  reason?: string;
  externalRef?: string;
}

export interface Approval {
  id: string;
  state: string;
  version: number;
  action: Action;
  actionHash: string;
  decision: Decision;
  approverGroups: string[];
  quorum: Quorum;
  requestedBy: PrincipalRef;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  breakGlass: { reason: string; approverGroup: string; externalRef: string | null } | null;
  reviews: Review[];
  history: HistoryEntry[];
  note: string | null;
  progress: { approvals: number; min: number; missingGroups: string[]; met: boolean };
  canReview: boolean;
  cannotReviewReason: string | null;
  reviewVerdicts: ('approve' | 'deny')[];
  /** Single reads only: the registry entry of the spec hash, or null when not registered. */
  registeredVersion?: { version: string; registeredAt: string; registeredBy: string } | null;
  /** Only on a single request read (GET /v1/approvals/{id}). */
  records?: ApprovalRecord[];
}

export interface ApprovalList {
  items: Approval[];
  nextCursor: string | null;
}

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

export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  'countersign:purpose'?: string;
}
