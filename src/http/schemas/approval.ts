/** Schemas of actions, decisions and approval requests as the API shows them. */
import { Type } from '@sinclair/typebox';
import { APPROVAL_STATES } from '../../domain/approval.js';
import {
  Duration,
  FreeObject,
  Id,
  Literals,
  Name,
  Nullable,
  Sha256Ref,
  Str,
  Strings,
} from './common.js';

const Kind = Str(64, { pattern: '^[a-z][a-z0-9_.-]*$', minLength: 1 });
export const Mode = Literals(['execute', 'dry-run']);
export const ApprovalState = Literals(APPROVAL_STATES);
const Verdict = Literals(['approve', 'deny']);

export const ActionInput = Type.Object(
  {
    kind: Kind,
    mode: Type.Optional(Mode),
    environment: Name,
    project: Name,
    spec: Type.Optional(Type.Unknown()),
    specHash: Type.Optional(Sha256Ref),
    configHash: Type.Optional(Sha256Ref),
    pipelineVersion: Type.Optional(Str(128)),
    sourceEnvironment: Type.Optional(Name),
    target: Type.Optional(Str(1024)),
    capabilities: Type.Optional(Strings()),
    riskTags: Type.Optional(Strings()),
    constraints: Type.Optional(FreeObject),
    workflow: Type.Optional(Str(256)),
    runId: Type.Optional(Str(256)),
    stepId: Type.Optional(Str(256)),
    repository: Type.Optional(Str(256)),
    reason: Type.Optional(Str(2000)),
  },
  { additionalProperties: false, $id: 'ActionInput' },
);

export const Action = Type.Object(
  {
    kind: Type.String(),
    mode: Mode,
    environment: Type.String(),
    project: Type.String(),
    specHash: Type.String(),
    spec: Type.Optional(Type.Unknown()),
    configHash: Type.Optional(Type.String()),
    pipelineVersion: Type.Optional(Type.String()),
    sourceEnvironment: Type.Optional(Type.String()),
    target: Type.Optional(Type.String()),
    capabilities: Type.Array(Type.String()),
    riskTags: Type.Array(Type.String()),
    constraints: FreeObject,
    workflow: Type.Optional(Type.String()),
    runId: Type.Optional(Type.String()),
    stepId: Type.Optional(Type.String()),
    repository: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  },
  { $id: 'Action' },
);

export const Quorum = Type.Object({
  min: Type.Integer(),
  groups: Type.Array(Type.String()),
  mode: Literals(['any', 'each']),
});

export const Decision = Type.Object(
  {
    decisionId: Type.String(),
    outcome: Literals(['allow', 'require_approval', 'deny', 'dry_run_only']),
    reasonCode: Type.String(),
    reason: Type.String(),
    matchedRule: Nullable(Type.String()),
    requiredCapabilities: Type.Array(Type.String()),
    approverGroups: Type.Array(Type.String()),
    quorum: Nullable(Quorum),
    riskTags: Type.Array(Type.String()),
    constraints: FreeObject,
    policySnapshot: Type.String(),
    actionHash: Type.String(),
    environment: Type.String(),
    posture: Nullable(Type.String()),
    severity: Nullable(Type.String()),
    credentialTtlSec: Type.Number(),
    singleUse: Type.Boolean(),
    routedBy: Nullable(Type.String()),
    evaluatedAt: Type.String(),
  },
  { $id: 'Decision' },
);

export const PrincipalRef = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  fingerprint: Type.String(),
});

const Review = Type.Object({
  reviewer: PrincipalRef,
  verdict: Verdict,
  reason: Type.String(),
  externalRef: Nullable(Type.String()),
  groups: Type.Array(Type.String()),
  at: Type.String(),
  via: Type.Optional(Type.String()),
});

const HistoryEntry = Type.Object({
  event: Type.String(),
  actor: Type.String(),
  actorName: Type.Optional(Type.String()),
  at: Type.String(),
  reason: Type.Optional(Type.String()),
  externalRef: Type.Optional(Type.String()),
});

/** What the view adds for reviewers: reason switch, cancel/revoke, rule description, links. */
const ApprovalViewExtras = {
  reasonRequired: Type.Boolean(),
  canCancel: Type.Boolean(),
  canRevoke: Type.Boolean(),
  ruleDescription: Nullable(Type.String()),
  links: Type.Object({
    repository: Type.Optional(Type.String()),
    workflow: Type.Optional(Type.String()),
    run: Type.Optional(Type.String()),
    commit: Type.Optional(Type.String()),
  }),
};

export const Approval = Type.Object(
  {
    id: Type.String(),
    state: ApprovalState,
    storedState: ApprovalState,
    version: Type.Integer(),
    action: Type.Ref('Action'),
    actionHash: Type.String(),
    decision: Type.Ref('Decision'),
    approverGroups: Type.Array(Type.String()),
    quorum: Quorum,
    requestedBy: PrincipalRef,
    createdAt: Type.String(),
    expiresAt: Type.String(),
    decidedAt: Nullable(Type.String()),
    breakGlass: Nullable(
      Type.Object({
        reason: Type.String(),
        approverGroup: Type.String(),
        externalRef: Nullable(Type.String()),
      }),
    ),
    reviews: Type.Array(Review),
    history: Type.Array(HistoryEntry),
    note: Nullable(Type.String()),
    callbackUrl: Nullable(Type.String()),
    attachedDecisions: Type.Optional(Type.Array(Type.String())),
    progress: Type.Object({
      approvals: Type.Integer(),
      min: Type.Integer(),
      missingGroups: Type.Array(Type.String()),
      met: Type.Boolean(),
    }),
    canReview: Type.Boolean(),
    cannotReviewReason: Nullable(Type.String()),
    reviewVerdicts: Type.Array(Verdict),
    // single reads only: is the spec hash a registered pipeline version, and which
    registeredVersion: Type.Optional(
      Nullable(
        Type.Object({
          version: Type.String(),
          registeredAt: Type.String(),
          registeredBy: Type.String(),
        }),
      ),
    ),
    records: Type.Optional(
      Type.Array(
        Type.Object({
          provider: Type.String(),
          key: Type.String(),
          channel: Nullable(Type.String()),
          createdAt: Type.String(),
          updatedAt: Type.String(),
        }),
      ),
    ),
    ...ApprovalViewExtras,
  },
  { $id: 'Approval' },
);

export const CreateApprovalBody = Type.Object(
  {
    action: Type.Optional(Type.Ref('ActionInput')),
    decisionId: Type.Optional(Id),
    ttl: Type.Optional(Duration),
    callbackUrl: Type.Optional(Str(2048, { pattern: '^https?://' })),
    note: Type.Optional(Str(2000)),
    approverGroup: Type.Optional(Name),
  },
  { additionalProperties: false },
);

// the reason may be left out where policy makes it optional (`approvalReason: optional`); the
// review service refuses a missing one everywhere else
export const ApproveBody = Type.Object(
  { reason: Type.Optional(Str(2000)), externalRef: Type.Optional(Str(256)) },
  { additionalProperties: false },
);
export const ReasonBody = Type.Object(
  { reason: Str(2000, { minLength: 1 }) },
  { additionalProperties: false },
);
export const OptionalReasonBody = Type.Object(
  { reason: Type.Optional(Str(2000)) },
  { additionalProperties: false },
);

export const BreakGlassBody = Type.Object(
  {
    action: Type.Ref('ActionInput'),
    reason: Str(2000, { minLength: 1 }),
    approverGroup: Name,
    expiresIn: Duration,
    externalRef: Type.Optional(Str(256)),
  },
  { additionalProperties: false },
);

export const ListApprovalsQuery = Type.Object(
  {
    state: Type.Optional(ApprovalState),
    group: Type.Optional(Name),
    environment: Type.Optional(Name),
    project: Type.Optional(Name),
    requestedBy: Type.Optional(Str(256)),
    actionHash: Type.Optional(Sha256Ref),
    // with actionHash: only approvals whose credential would pass the gate for it now
    usable: Type.Optional(Literals(['true', 'false'])),
    q: Type.Optional(Str(256)),
    limit: Type.Optional(Str(3, { pattern: '^[0-9]{1,3}$' })),
    cursor: Type.Optional(Str(512)),
  },
  { additionalProperties: false },
);

export const ApprovalList = Type.Object({
  items: Type.Array(Type.Ref('Approval')),
  nextCursor: Nullable(Type.String()),
});

export const EvaluateResponse = Type.Object({
  action: Type.Ref('Action'),
  decision: Type.Ref('Decision'),
});
