/** Approval requests, reviews and their state machine (docs/domain.md §3). Pure: no I/O, no clock. */
import type { Action } from './action.js';
import type { Decision, Quorum } from './decision.js';
import type { PrincipalRef } from './principal.js';

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'revoked';

export const APPROVAL_STATES: readonly ApprovalState[] = [
  'pending',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'revoked',
];

export const TERMINAL_STATES: readonly ApprovalState[] = [
  'denied',
  'expired',
  'cancelled',
  'revoked',
];

export type ReviewVerdict = 'approve' | 'deny';

export interface Review {
  reviewer: PrincipalRef;
  verdict: ReviewVerdict;
  reason: string;
  externalRef: string | null;
  /**
   * The request's approver groups this reviewer counted for. For a break-glass declaration (the
   * request's only review), the groups the declarer holds: they count by break-glass, not as a
   * member of the approver group they named.
   */
  groups: string[];
  at: string;
  /** Where the review was cast, when not over the API or console (`slack`: a chat button). */
  via?: 'slack';
}

export type HistoryEventName =
  | 'requested'
  | 'reviewed'
  | 'approved'
  | 'denied'
  | 'expired'
  | 'cancelled'
  | 'revoked'
  | 'break_glass';

export interface HistoryEntry {
  event: HistoryEventName;
  /** The principal id of who did it. */
  actor: string;
  /** Their display name when recorded (absent on older entries and on the request's own people). */
  actorName?: string;
  at: string;
  reason?: string;
  externalRef?: string;
}

export interface BreakGlassInfo {
  reason: string;
  approverGroup: string;
  externalRef: string | null;
}

export interface ApprovalRequest {
  id: string;
  state: ApprovalState;
  /** Optimistic-concurrency version: every state change increments it. */
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
  breakGlass: BreakGlassInfo | null;
  reviews: Review[];
  history: HistoryEntry[];
  note: string | null;
  callbackUrl: string | null;
  /** Decisions (same action hash) attached after creation; absent on older documents. */
  attachedDecisions?: string[];
}

export function isTerminal(state: ApprovalState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** The state a reader sees: a pending request past its expiry reads as expired. */
export function effectiveState(
  req: Pick<ApprovalRequest, 'state' | 'expiresAt'>,
  nowMs: number,
): ApprovalState {
  if (req.state === 'pending' && nowMs >= Date.parse(req.expiresAt)) return 'expired';
  return req.state;
}

export interface QuorumProgress {
  /** Distinct approving reviewers counted. */
  approvals: number;
  min: number;
  /** Groups (mode each) that still have no approval. */
  missingGroups: string[];
  met: boolean;
}

/**
 * Quorum over approve reviews. Duplicates by reviewer are removed before counting (one review
 * per person). `any`: `min` distinct reviewers from any listed group. `each`: one from every
 * listed group and `min` in all.
 */
export function quorumProgress(quorum: Quorum, reviews: readonly Review[]): QuorumProgress {
  const seen = new Set<string>();
  const coveredGroups = new Set<string>();
  let approvals = 0;
  for (const r of reviews) {
    if (r.verdict !== 'approve' || seen.has(r.reviewer.id)) continue;
    seen.add(r.reviewer.id);
    approvals++;
    for (const g of r.groups) coveredGroups.add(g);
  }
  const missingGroups =
    quorum.mode === 'each' ? quorum.groups.filter((g) => !coveredGroups.has(g)) : [];
  return {
    approvals,
    min: quorum.min,
    missingGroups,
    met: approvals >= quorum.min && missingGroups.length === 0,
  };
}

/**
 * Which of the request's approver groups a reviewer's (already RBAC-mapped) groups cover. Names
 * compare literally: no group value is a wildcard here (devMode's "anyone" is expanded by the
 * caller from the principal's kind, never from a group name).
 */
export function eligibleGroups(
  requestGroups: readonly string[],
  reviewerGroups: readonly string[],
): string[] {
  return requestGroups.filter((g) => reviewerGroups.includes(g));
}

/**
 * Separation of duties: a requester never reviews its own request, whether under the same
 * principal id or the same credential fingerprint under another name.
 */
export function isSameParty(a: PrincipalRef, b: PrincipalRef): boolean {
  return a.id === b.id || a.fingerprint === b.fingerprint;
}

export type ReviewRefusal =
  'approval_not_pending' | 'self_approval' | 'not_eligible' | 'already_reviewed';

/**
 * Why a reviewer may not review this request now, or null when they may. The order is the
 * order the API reports: state first (nothing else matters once decided), then separation of
 * duties, then eligibility, then one review per person.
 */
export function reviewRefusal(
  req: ApprovalRequest,
  reviewer: PrincipalRef,
  reviewerGroups: readonly string[],
  nowMs: number,
): ReviewRefusal | null {
  if (effectiveState(req, nowMs) !== 'pending') return 'approval_not_pending';
  if (isSameParty(req.requestedBy, reviewer)) return 'self_approval';
  if (eligibleGroups(req.approverGroups, reviewerGroups).length === 0) return 'not_eligible';
  if (
    req.reviews.some(
      (r) => r.reviewer.id === reviewer.id || r.reviewer.fingerprint === reviewer.fingerprint,
    )
  ) {
    return 'already_reviewed';
  }
  return null;
}

/**
 * The state after adding a review: deny wins (one eligible deny ends the request), otherwise
 * approved once quorum is met, otherwise still pending.
 */
export function stateAfterReview(quorum: Quorum, reviews: readonly Review[]): ApprovalState {
  if (reviews.some((r) => r.verdict === 'deny')) return 'denied';
  return quorumProgress(quorum, reviews).met ? 'approved' : 'pending';
}

const TRANSITIONS: Record<ApprovalState, readonly ApprovalState[]> = {
  pending: ['approved', 'denied', 'expired', 'cancelled'],
  approved: ['revoked'],
  denied: [],
  expired: [],
  cancelled: [],
  revoked: [],
};

export function canTransition(from: ApprovalState, to: ApprovalState): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * The change a committed transition announces (bus events, change hooks, notifications): the
 * same name as the history entry it adds.
 */
export type ApprovalChangeEvent = HistoryEventName;
