/**
 * Approve and deny: quorum, deny wins, one review per person, no self-review (the rules are in
 * `domain/change.ts`; this service supplies the reviewer's groups and the policy's reason rule).
 */
import type { ApprovalRequest, ReviewVerdict } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { principalRef } from '../domain/principal.js';
import { EMPTY_RBAC, effectiveReviewerGroups, reviewerGroupsFor } from '../identity/rbac.js';
import { assertScope } from './access.js';
import type { ServiceDeps } from './ports.js';
import { credentialForChange } from './credential-writes.js';
import { transitionApproval } from './transition.js';

export type ReviewDeps = Pick<
  ServiceDeps,
  'store' | 'clock' | 'ids' | 'bus' | 'minter' | 'changeHook' | 'rbac'
> &
  Partial<Pick<ServiceDeps, 'policy'>>;

export interface ReviewInput {
  verdict: ReviewVerdict;
  /** Mandatory for a deny; for an approve unless the environment's `approvalReason` is optional. */
  reason?: string;
  externalRef?: string;
  /** The review came through a chat integration (recorded on the review and its audit event). */
  via?: 'slack';
}

/** What a reviewer sends; `via` is set by an integration, never by API input. */
export interface ReviewBody {
  /** Optional for an approve where policy says so; a deny always needs one (checked inside). */
  reason?: string;
  externalRef?: string;
  via?: 'slack';
}

export function createReviewService(deps: ReviewDeps) {
  const rbac = deps.rbac ?? EMPTY_RBAC;
  function review(reviewer: Principal, id: string, input: ReviewInput): Promise<ApprovalRequest> {
    assertScope(reviewer, 'approvals:review');
    return transitionApproval(
      deps,
      reviewer,
      id,
      (current) => ({
        kind: 'review',
        verdict: input.verdict,
        actor: principalRef(reviewer),
        // held and mapped groups, plus what a repository permission delegates for this verdict
        reviewerGroups: effectiveReviewerGroups(
          current,
          reviewerGroupsFor(reviewer, current),
          input.verdict,
          rbac,
        ),
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
        reasonRequired: deps.policy?.approvalReasonRequired?.(current.action.environment) !== false,
        ...(input.externalRef !== undefined ? { externalRef: input.externalRef } : {}),
        ...(input.via ? { via: input.via } : {}),
      }),
      // the approve that completes quorum is signed before BEGIN
      (change) => credentialForChange(deps, reviewer, change.next),
    );
  }

  return {
    approve: (p: Principal, id: string, body: ReviewBody) =>
      review(p, id, { verdict: 'approve', ...body }),
    deny: (p: Principal, id: string, body: ReviewBody) =>
      review(p, id, { verdict: 'deny', ...body }),
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
