/** Reading requests, with what a reviewer needs to see and whether the caller may review. */
import type { RbacConfig } from '../config/config-types.js';
import type { ApprovalRequest, QuorumProgress, ReviewVerdict } from '../domain/approval.js';
import { effectiveState, quorumProgress, reviewRefusal } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { hasScope, principalRef } from '../domain/principal.js';
import { ConflictError } from '../errors/index.js';
import {
  EMPTY_RBAC,
  effectiveReviewerGroups,
  reviewableVerdicts,
  reviewerGroupsFor,
} from '../identity/rbac.js';
import type { ApprovalFilter, Page, PageRequest } from '../store/port.js';
import { redactUrlToOrigin } from '../notify/redact.js';
import { assertScope, isAdmin, isRequester } from './access.js';
import type { ServiceDeps } from './deps.js';

export type ReadDeps = Pick<ServiceDeps, 'store' | 'clock' | 'rbac'>;

export interface ApprovalView extends ApprovalRequest {
  /** The state as of now: a pending request past its expiry reads as expired. */
  state: ApprovalRequest['state'];
  storedState: ApprovalRequest['state'];
  progress: QuorumProgress;
  canReview: boolean;
  /** Why the caller cannot review, as an error code, or null. */
  cannotReviewReason: string | null;
  /** The verdicts the caller may cast now (a repository permission may allow deny only). */
  reviewVerdicts: ReviewVerdict[];
}

export function viewApproval(
  req: ApprovalRequest,
  viewer: Principal,
  nowMs: number,
  rbac: RbacConfig = EMPTY_RBAC,
): ApprovalView {
  // eligible for either verdict: held or mapped groups, or a repository delegation
  const held = reviewerGroupsFor(viewer, req);
  const groups = [
    ...new Set([
      ...effectiveReviewerGroups(req, held, 'approve', rbac),
      ...effectiveReviewerGroups(req, held, 'deny', rbac),
    ]),
  ];
  let refusal: string | null = reviewRefusal(req, principalRef(viewer), groups, nowMs);
  if (refusal === null && !hasScope(viewer, 'approvals:review')) refusal = 'forbidden';
  return {
    ...req,
    // the callback URL may carry a secret: in full only to the requester and admins
    callbackUrl:
      req.callbackUrl === null || isRequester(viewer, req) || isAdmin(viewer)
        ? req.callbackUrl
        : redactUrlToOrigin(req.callbackUrl),
    state: effectiveState(req, nowMs),
    storedState: req.state,
    progress: quorumProgress(req.quorum, req.reviews),
    canReview: refusal === null,
    cannotReviewReason: refusal,
    reviewVerdicts: refusal === null ? reviewableVerdicts(req, held, rbac) : [],
  };
}

export function createReadService(deps: ReadDeps) {
  const rbac = deps.rbac ?? EMPTY_RBAC;
  function assertReader(p: Principal): void {
    assertScope(p, 'approvals:request', 'approvals:review', 'audit:read', 'gate:check');
  }

  async function get(p: Principal, id: string): Promise<ApprovalView> {
    assertReader(p);
    const req = await deps.store.getApproval(id);
    if (!req) throw new ConflictError('not_found', `approval ${id} not found`);
    return viewApproval(req, p, deps.clock.now(), rbac);
  }

  async function list(
    p: Principal,
    filter: ApprovalFilter,
    page: PageRequest,
  ): Promise<Page<ApprovalView>> {
    assertReader(p);
    const nowMs = deps.clock.now();
    const result = await deps.store.listApprovals(filter, page);
    return {
      items: result.items.map((r) => viewApproval(r, p, nowMs, rbac)),
      nextCursor: result.nextCursor,
    };
  }

  /** The request as `p` sees it, for a change already in hand (streams); checks read access. */
  function view(p: Principal, req: ApprovalRequest): ApprovalView {
    assertReader(p);
    return viewApproval(req, p, deps.clock.now(), rbac);
  }

  return { get, list, view };
}

export type ReadService = ReturnType<typeof createReadService>;
