/** Approve and deny: quorum, deny wins, one review per person, no self-review. */
import type { ApprovalRequest, Review, ReviewVerdict } from '../domain/approval.js';
import { eligibleGroups, reviewRefusal, stateAfterReview } from '../domain/approval.js';
import type { RbacConfig } from '../config/config-types.js';
import type { Principal } from '../domain/principal.js';
import { principalRef } from '../domain/principal.js';
import { EMPTY_RBAC, effectiveReviewerGroups, reviewerGroupsFor } from '../identity/rbac.js';
import { ConflictError, InputError, PolicyError } from '../errors/index.js';
import { isoAt } from '../lib/clock.js';
import { assertScope } from './access.js';
import { approvalFields, auditEvent } from './audit-events.js';
import type { ServiceDeps } from './ports.js';
import { credentialWrites, type MintedCredential } from './credential-writes.js';
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

/** The stated reason, or a 400 when this verdict in this environment needs one and has none. */
function reviewReason(current: ApprovalRequest, input: ReviewInput, deps: ReviewDeps): string {
  const reason = (input.reason ?? '').trim();
  const required =
    input.verdict === 'deny' ||
    deps.policy?.approvalReasonRequired?.(current.action.environment) !== false;
  if (reason === '' && required) {
    throw new InputError(
      'validation_failed',
      input.verdict === 'deny'
        ? 'a deny needs a reason'
        : `an approve in ${current.action.environment} needs a reason (policy approvalReason: required)`,
      [{ path: '/reason', message: 'a reason is required' }],
    );
  }
  return reason;
}

function applyReview(
  current: ApprovalRequest,
  reviewer: Principal,
  input: ReviewInput,
  nowMs: number,
  rbac: RbacConfig,
  deps: ReviewDeps,
): { next: ApprovalRequest; review: Review } {
  const me = principalRef(reviewer);
  // held and mapped groups, plus what a repository permission delegates for this verdict
  const held = reviewerGroupsFor(reviewer, current);
  const groups = effectiveReviewerGroups(current, held, input.verdict, rbac);
  const refusal = reviewRefusal(current, me, groups, nowMs);
  switch (refusal) {
    case null:
      break;
    case 'approval_not_pending':
      throw new ConflictError('approval_not_pending', `approval ${current.id} is not pending`);
    case 'already_reviewed':
      throw new ConflictError('already_reviewed', 'you have already reviewed this request');
    case 'self_approval':
      throw new PolicyError('self_approval', 'the requester cannot review their own request');
    case 'not_eligible':
      throw new PolicyError(
        'not_eligible',
        `reviewer is not in an approver group of this request (${current.approverGroups.join(', ')})`,
      );
  }
  const reason = reviewReason(current, input, deps);
  const at = isoAt(nowMs);
  const review: Review = {
    reviewer: me,
    verdict: input.verdict,
    reason,
    externalRef: input.externalRef ?? null,
    groups: eligibleGroups(current.approverGroups, groups),
    at,
    ...(input.via ? { via: input.via } : {}),
  };
  const reviews = [...current.reviews, review];
  const state = stateAfterReview(current.quorum, reviews);
  const history = [
    ...current.history,
    {
      event: 'reviewed' as const,
      actor: me.id,
      at,
      ...(reason ? { reason } : {}),
      ...(input.externalRef ? { externalRef: input.externalRef } : {}),
    },
  ];
  if (state !== 'pending')
    history.push({ event: state as 'approved' | 'denied', actor: me.id, at });
  return {
    next: { ...current, state, reviews, history, decidedAt: state === 'pending' ? null : at },
    review,
  };
}

export function createReviewService(deps: ReviewDeps) {
  const rbac = deps.rbac ?? EMPTY_RBAC;
  async function review(
    reviewer: Principal,
    id: string,
    input: ReviewInput,
  ): Promise<ApprovalRequest> {
    assertScope(reviewer, 'approvals:review');
    let prepared: { version: number; credential: MintedCredential } | null = null;
    return transitionApproval(
      deps,
      id,
      (current) => {
        const { next, review } = applyReview(
          current,
          reviewer,
          input,
          deps.clock.now(),
          rbac,
          deps,
        );
        let credential: MintedCredential | null = null;
        if (next.state === 'approved' && deps.minter) {
          // signed before BEGIN from the same version; a stale signature means re-read
          if (!prepared || prepared.version !== current.version) return 'retry';
          credential = prepared.credential;
        }
        const type =
          next.state === 'approved'
            ? 'approval.approved'
            : next.state === 'denied'
              ? 'approval.denied'
              : 'approval.reviewed';
        const events = [
          auditEvent(deps, type, reviewer, {
            ...approvalFields(next),
            outcome: next.state,
            details: {
              verdict: review.verdict,
              reason: review.reason || null,
              externalRef: review.externalRef,
              countedGroups: review.groups,
              approvals: next.reviews.filter((r) => r.verdict === 'approve').length,
              quorum: next.quorum,
              ...(review.via ? { channel: review.via } : {}),
            },
          }),
        ];
        if (credential) events.push(credentialWrites.issuedEvent(deps, reviewer, next, credential));
        return {
          next,
          events,
          publish: next.state === 'pending' ? 'reviewed' : next.state,
          ...(credential ? { extra: credentialWrites.insert(next.id, credential) } : {}),
        };
      },
      // only an approve can complete quorum and need a credential signed before BEGIN
      !deps.minter || input.verdict !== 'approve'
        ? undefined
        : async (before) => {
            prepared = null;
            if (!deps.minter) return;
            let outcome: ApprovalRequest;
            try {
              outcome = applyReview(before, reviewer, input, deps.clock.now(), rbac, deps).next;
            } catch {
              return; // the plan inside the transaction reports the refusal
            }
            if (outcome.state === 'approved') {
              prepared = { version: before.version, credential: await deps.minter.mint(outcome) };
            }
          },
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
