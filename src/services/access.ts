/** Authorization checks shared by services: scopes and ownership. */
import { reviewerGroupsFor } from '../identity/rbac.js';
import type { ApprovalRequest } from '../domain/approval.js';
import { eligibleGroups, isSameParty } from '../domain/approval.js';
import type { Principal, Scope } from '../domain/principal.js';
import { hasScope, principalRef } from '../domain/principal.js';
import { PolicyError } from '../errors/index.js';

export function assertScope(p: Principal, ...anyOf: Scope[]): void {
  if (!anyOf.some((s) => hasScope(p, s))) {
    throw new PolicyError('forbidden', `this needs one of the scopes: ${anyOf.join(', ')}`);
  }
}

export function isAdmin(p: Principal): boolean {
  return p.scopes.includes('admin');
}

export function isRequester(p: Principal, req: ApprovalRequest): boolean {
  return isSameParty(req.requestedBy, principalRef(p));
}

/** An approver of the request: someone whose approve review counted. */
export function isApprover(p: Principal, req: ApprovalRequest): boolean {
  const me = principalRef(p);
  return req.reviews.some((r) => r.verdict === 'approve' && isSameParty(r.reviewer, me));
}

/** Who may cancel a request (while it is pending): its requester or an admin. */
export function mayCancel(p: Principal, req: ApprovalRequest): boolean {
  return isRequester(p, req) || isAdmin(p);
}

/**
 * Who may revoke a request (once approved): an admin, an approver of it, or, for break-glass
 * (which had no review), a reviewer of its approver group.
 */
export function mayRevoke(p: Principal, req: ApprovalRequest): boolean {
  const reviewerOfBreakGlass =
    req.breakGlass !== null &&
    hasScope(p, 'approvals:review') &&
    eligibleGroups(req.approverGroups, reviewerGroupsFor(p, req)).length > 0;
  return isAdmin(p) || isApprover(p, req) || reviewerOfBreakGlass;
}

/** Refuses anyone but the request's requester or an admin (`what` completes "only … can"). */
export function assertRequesterOrAdmin(p: Principal, req: ApprovalRequest, what: string): void {
  if (!isRequester(p, req) && !isAdmin(p)) {
    throw new PolicyError('forbidden', `only the requester or an admin can ${what}`);
  }
}

/** Refuses anyone but an admin (`what` completes "… needs admin"). */
export function assertAdmin(p: Principal, what: string): void {
  if (!isAdmin(p)) throw new PolicyError('forbidden', `${what} needs admin`);
}
