/**
 * The change pipeline's pure core: one function per command on an approval request (approve,
 * deny, cancel, expire, revoke; break-glass creates one already approved) that takes the request,
 * the command and the time and returns one change record, or why the command is refused. A service
 * runs it once per attempt and writes the record as it is: the new state, the review, the history
 * entry, the audit event's type and details, the notification kind and the bus event all come
 * from here, under one name (`event`). Pure: no I/O, no clock, no ids.
 */
import type {
  ApprovalChangeEvent,
  ApprovalRequest,
  ApprovalState,
  Review,
  ReviewRefusal,
  ReviewVerdict,
} from './approval.js';
import { effectiveState, eligibleGroups, reviewRefusal, stateAfterReview } from './approval.js';
import type { AuditEventType } from './audit-event.js';
import type { PrincipalRef } from './principal.js';

/** Who acts, as recorded (`principalRef`); `system` for the server itself (the expiry sweeper). */
export interface ChangeActor extends PrincipalRef {
  system?: boolean;
}

function refOf(a: ChangeActor): PrincipalRef {
  return { id: a.id, kind: a.kind, name: a.name, fingerprint: a.fingerprint };
}

export type ApprovalCommand =
  | {
      kind: 'review';
      verdict: ReviewVerdict;
      actor: ChangeActor;
      /** The reviewer's groups as they count for this request and verdict (RBAC applied). */
      reviewerGroups: readonly string[];
      reason?: string;
      /** Whether this verdict in this environment needs a reason (a deny always does). */
      reasonRequired: boolean;
      externalRef?: string;
      via?: 'slack';
    }
  | { kind: 'cancel' | 'expire' | 'revoke'; actor: ChangeActor; reason?: string };

/** The notification a change announces (null: none); `reviewed` only to per-request records. */
export type ChangeNotificationKind = 'requested' | 'reviewed' | 'decided' | 'break_glass';

export const NOTIFICATION_OF_CHANGE: Readonly<
  Record<ApprovalChangeEvent, ChangeNotificationKind | null>
> = {
  requested: 'requested',
  reviewed: 'reviewed',
  approved: 'decided',
  denied: 'decided',
  expired: 'decided',
  cancelled: 'decided',
  revoked: 'decided',
  break_glass: 'break_glass',
};

/** The audit event type that records a change: `approval.<event>`. */
export function auditTypeOf(event: ApprovalChangeEvent): AuditEventType {
  return `approval.${event}`;
}

/** One change, as it is written and announced. */
export interface ApprovalChange {
  /** The request after the change (its version is the one it replaces; the writer bumps it). */
  next: ApprovalRequest;
  /** What happened: the history entry added last, the bus event, the audit type's suffix. */
  event: ApprovalChangeEvent;
  audit: {
    type: AuditEventType;
    outcome: ApprovalState;
    reasonCode: string | null;
    details: Record<string, unknown>;
    /** Whether policy required approval (break-glass may declare over an allow); default true. */
    approvalRequired?: boolean;
  };
  notification: ChangeNotificationKind | null;
  /** The review a review command adds. */
  review: Review | null;
}

export type ChangeRefusalCode = ReviewRefusal | 'approval_not_approved' | 'reason_required';

export interface ChangeRefusal {
  refused: ChangeRefusalCode;
  message: string;
}

export type ChangeResult = ApprovalChange | ChangeRefusal;

export function isRefusal(r: ChangeResult): r is ChangeRefusal {
  return 'refused' in r;
}

function record(
  next: ApprovalRequest,
  event: ApprovalChangeEvent,
  audit: Omit<ApprovalChange['audit'], 'type'>,
  review: Review | null = null,
): ApprovalChange {
  return {
    next,
    event,
    audit: { type: auditTypeOf(event), ...audit },
    notification: NOTIFICATION_OF_CHANGE[event],
    review,
  };
}

const REVIEW_REFUSAL_MESSAGES: Record<ReviewRefusal, (req: ApprovalRequest) => string> = {
  approval_not_pending: (req) => `approval ${req.id} is not pending`,
  already_reviewed: () => 'you have already reviewed this request',
  self_approval: () => 'the requester cannot review their own request',
  not_eligible: (req) =>
    `reviewer is not in an approver group of this request (${req.approverGroups.join(', ')})`,
};

function review(
  current: ApprovalRequest,
  cmd: Extract<ApprovalCommand, { kind: 'review' }>,
  nowMs: number,
): ChangeResult {
  const me = cmd.actor;
  const refusal = reviewRefusal(current, me, cmd.reviewerGroups, nowMs);
  if (refusal) return { refused: refusal, message: REVIEW_REFUSAL_MESSAGES[refusal](current) };
  const reason = (cmd.reason ?? '').trim();
  if (reason === '' && (cmd.verdict === 'deny' || cmd.reasonRequired)) {
    return {
      refused: 'reason_required',
      message:
        cmd.verdict === 'deny'
          ? 'a deny needs a reason'
          : `an approve in ${current.action.environment} needs a reason (policy approvalReason: required)`,
    };
  }
  const at = new Date(nowMs).toISOString();
  const added: Review = {
    reviewer: refOf(me),
    verdict: cmd.verdict,
    reason,
    externalRef: cmd.externalRef ?? null,
    groups: eligibleGroups(current.approverGroups, cmd.reviewerGroups),
    at,
    ...(cmd.via ? { via: cmd.via } : {}),
  };
  const reviews = [...current.reviews, added];
  const state = stateAfterReview(current.quorum, reviews);
  const history = [
    ...current.history,
    {
      event: 'reviewed' as const,
      actor: me.id,
      at,
      ...(reason ? { reason } : {}),
      ...(cmd.externalRef ? { externalRef: cmd.externalRef } : {}),
    },
  ];
  const decided = state === 'approved' || state === 'denied';
  if (decided) history.push({ event: state, actor: me.id, at });
  const next: ApprovalRequest = {
    ...current,
    state,
    reviews,
    history,
    decidedAt: decided ? at : null,
  };
  return record(
    next,
    decided ? state : 'reviewed',
    {
      outcome: state,
      reasonCode: null,
      details: {
        verdict: added.verdict,
        reason: added.reason || null,
        externalRef: added.externalRef,
        countedGroups: added.groups,
        approvals: reviews.filter((r) => r.verdict === 'approve').length,
        quorum: current.quorum,
        ...(added.via ? { channel: added.via } : {}),
      },
    },
    added,
  );
}

/** Cancel, expire and revoke: from which state each goes where. */
const ENDINGS = {
  cancel: { from: 'pending', to: 'cancelled' },
  expire: { from: 'pending', to: 'expired' },
  revoke: { from: 'approved', to: 'revoked' },
} as const;

function ending(
  current: ApprovalRequest,
  cmd: Extract<ApprovalCommand, { kind: 'cancel' | 'expire' | 'revoke' }>,
  nowMs: number,
): ChangeResult {
  const { from, to } = ENDINGS[cmd.kind];
  // expiry by time: a pending request past expiresAt may still be recorded as expired
  const state = cmd.kind === 'expire' ? current.state : effectiveState(current, nowMs);
  if (state !== from) {
    return {
      refused: from === 'pending' ? 'approval_not_pending' : 'approval_not_approved',
      message: `approval ${current.id} is ${effectiveState(current, nowMs)}, not ${from}`,
    };
  }
  const at = new Date(nowMs).toISOString();
  const next: ApprovalRequest = {
    ...current,
    state: to,
    // a revoked approval keeps the time it was decided
    decidedAt: to === 'revoked' ? current.decidedAt : at,
    history: [
      ...current.history,
      {
        event: to,
        actor: cmd.actor.id,
        actorName: cmd.actor.name,
        at,
        ...(cmd.reason ? { reason: cmd.reason } : {}),
      },
    ],
  };
  return record(next, to, {
    outcome: to,
    reasonCode: cmd.kind === 'expire' && cmd.actor.system ? 'expired' : null,
    details: { reason: cmd.reason ?? null, previousState: current.state },
  });
}

/** The change a command makes to a request at `nowMs`, or why it is refused. */
export function decideChange(
  current: ApprovalRequest,
  cmd: ApprovalCommand,
  nowMs: number,
): ChangeResult {
  return cmd.kind === 'review' ? review(current, cmd, nowMs) : ending(current, cmd, nowMs);
}

/** What a break-glass declaration states (validated by the service against the policy). */
export interface BreakGlassDeclaration {
  id: string;
  actor: ChangeActor;
  /** The declarer's own literal groups: they approve as who they are. */
  declarerGroups: readonly string[];
  action: ApprovalRequest['action'];
  decision: ApprovalRequest['decision'];
  reason: string;
  approverGroup: string;
  externalRef?: string;
  expiresInMs: number;
}

/** Break-glass: a request created already approved by its declarer, as one change record. */
export function breakGlassChange(d: BreakGlassDeclaration, nowMs: number): ApprovalChange {
  const at = new Date(nowMs).toISOString();
  const me = refOf(d.actor);
  const next: ApprovalRequest = {
    id: d.id,
    state: 'approved',
    version: 1,
    action: d.action,
    actionHash: d.decision.actionHash,
    decision: d.decision,
    approverGroups: [d.approverGroup],
    quorum: { min: 1, groups: [d.approverGroup], mode: 'any' },
    requestedBy: me,
    createdAt: at,
    expiresAt: new Date(nowMs + d.expiresInMs).toISOString(),
    decidedAt: at,
    breakGlass: {
      reason: d.reason,
      approverGroup: d.approverGroup,
      externalRef: d.externalRef ?? null,
    },
    reviews: [
      {
        reviewer: me,
        verdict: 'approve',
        reason: d.reason,
        externalRef: d.externalRef ?? null,
        groups: [...d.declarerGroups],
        at,
      },
    ],
    history: [
      {
        event: 'break_glass',
        actor: me.id,
        at,
        reason: d.reason,
        ...(d.externalRef ? { externalRef: d.externalRef } : {}),
      },
    ],
    note: null,
    callbackUrl: null,
  };
  return record(
    next,
    'break_glass',
    {
      outcome: 'approved',
      reasonCode: d.decision.reasonCode,
      approvalRequired: d.decision.outcome === 'require_approval',
      details: {
        breakGlass: true,
        reason: d.reason,
        approverGroup: d.approverGroup,
        declarerGroups: [...d.declarerGroups],
        externalRef: d.externalRef ?? null,
        expiresAt: next.expiresAt,
        policyOutcome: d.decision.outcome,
      },
    },
    next.reviews[0] ?? null,
  );
}
