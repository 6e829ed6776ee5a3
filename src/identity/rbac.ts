/**
 * RBAC for people (docs/domain.md §3 eligibility, §7): external groups from the identity provider map
 * to approver groups, groups grant scopes, and repository permissions delegate an approver group
 * to repository owners for one repository and a closed set of verdicts. Pure: no I/O.
 */
import type { ApprovalRequest, ReviewVerdict } from '../domain/approval.js';
import { eligibleGroups } from '../domain/approval.js';
import type { Principal, Scope } from '../domain/principal.js';
import { ALL_SCOPES } from '../domain/principal.js';
import type { RbacConfig } from '../config/config-types.js';

/** No scopes granted, no mappings, no repository permissions: groups count only as held. */
export const EMPTY_RBAC: RbacConfig = Object.freeze({
  scopes: Object.freeze({}),
  groupMappings: Object.freeze({}),
  repositoryPermissions: Object.freeze([]) as readonly never[],
});

/** What every authenticated person may do (docs/domain.md §7); the rest comes from `rbac.scopes`. */
export const PERSON_BASE_SCOPES: readonly Scope[] = ['approvals:request', 'approvals:review'];

/**
 * The group the devMode principal holds: shown as its group, but it grants nothing by its name.
 * What makes devMode's "anyone can act" is the principal's kind ({@link reviewerGroupsFor}).
 */
export const DEV_WILDCARD_GROUP = '*';

/**
 * Whether a group value from a token, a session or an API key may be held. `*` never is: claim
 * values are literal names, and a group called `*` would read as devMode's wildcard to a person.
 */
export function isLiteralGroup(group: string): boolean {
  return group !== DEV_WILDCARD_GROUP;
}

/**
 * The groups a person holds: their external groups plus every approver group those map to,
 * unique and sorted. An unmapped external group stays as it is; it counts only where a request
 * names it literally. `*` is dropped wherever it appears (see {@link isLiteralGroup}).
 */
export function mapGroups(externalGroups: readonly string[], rbac: RbacConfig): string[] {
  const out = new Set<string>();
  for (const g of externalGroups) {
    if (!isLiteralGroup(g)) continue;
    out.add(g);
    // own-property lookup: a group named "constructor" must not reach Object.prototype
    const mapped = Object.hasOwn(rbac.groupMappings, g) ? rbac.groupMappings[g] : undefined;
    for (const m of mapped ?? []) if (isLiteralGroup(m)) out.add(m);
  }
  return [...out].sort();
}

/**
 * The groups to judge `principal` with on `request`: its own groups, except for the devMode
 * principal (kind `dev`, made only by the authenticator when devMode is on and no credential was
 * presented), which counts for every approver group the request names. Pass the result wherever
 * a reviewer's groups are compared with a request's.
 */
export function reviewerGroupsFor(
  principal: Pick<Principal, 'kind' | 'groups'>,
  request: Pick<ApprovalRequest, 'approverGroups'>,
): string[] {
  if (principal.kind === 'dev')
    return [...new Set([...principal.groups, ...request.approverGroups])];
  return principal.groups.filter(isLiteralGroup);
}

/**
 * `base` plus every scope `rbac.scopes` grants to any of `groups`, in the order of
 * {@link ALL_SCOPES}. `groups` should already be mapped ({@link mapGroups}) so a scope may name
 * either an external or an approver group.
 */
export function scopesFor(
  groups: readonly string[],
  rbac: RbacConfig,
  base: readonly Scope[] = PERSON_BASE_SCOPES,
): Scope[] {
  const held = new Set(groups);
  return ALL_SCOPES.filter(
    (scope) => base.includes(scope) || (rbac.scopes[scope] ?? []).some((g) => held.has(g)),
  );
}

/** The request fields eligibility depends on. */
export type EligibilityRequest = Pick<ApprovalRequest, 'approverGroups'> & {
  action: { repository?: string | undefined };
};

/**
 * The request's approver groups this reviewer counts for when casting `verdict`: the groups they
 * hold directly or through a mapping, plus every `approverGroup` a repository permission for
 * exactly this request's repository delegates to one of their groups for this verdict. A
 * delegation never reaches another repository, a request without a repository, a verdict the
 * entry does not list, or an approver group the request does not name. Sorted and unique.
 */
export function repositoryEligibility(
  request: EligibilityRequest,
  reviewerGroups: readonly string[],
  verdict: ReviewVerdict,
  rbac: RbacConfig,
): string[] {
  const counted = new Set(eligibleGroups(request.approverGroups, reviewerGroups));
  const repository = request.action.repository;
  if (repository !== undefined && repository !== '') {
    for (const entry of rbac.repositoryPermissions) {
      if (
        entry.repository === repository &&
        entry.actions.includes(verdict) &&
        request.approverGroups.includes(entry.approverGroup) &&
        entry.groups.some((g) => reviewerGroups.includes(g))
      ) {
        counted.add(entry.approverGroup);
      }
    }
  }
  return [...counted].sort();
}

/**
 * The groups to judge a review with: the reviewer's own groups plus the approver groups a
 * repository permission delegates to them for this request and verdict. Pass the result where
 * the review path passes `reviewer.groups` (`reviewRefusal`, `eligibleGroups`): a delegated group
 * then counts exactly like a held one, for this request only.
 *
 * @example
 * const groups = effectiveReviewerGroups(request, reviewer.groups, 'approve', rbac);
 * const refusal = reviewRefusal(request, principalRef(reviewer), groups, nowMs);
 */
export function effectiveReviewerGroups(
  request: EligibilityRequest,
  reviewerGroups: readonly string[],
  verdict: ReviewVerdict,
  rbac: RbacConfig,
): string[] {
  const delegated = repositoryEligibility(request, reviewerGroups, verdict, rbac);
  return [...new Set([...reviewerGroups, ...delegated])].sort();
}

/** Verdicts this reviewer could cast on this request (for "can I review?" in read views). */
export function reviewableVerdicts(
  request: EligibilityRequest,
  reviewerGroups: readonly string[],
  rbac: RbacConfig,
): ReviewVerdict[] {
  const verdicts: ReviewVerdict[] = ['approve', 'deny'];
  return verdicts.filter((v) => repositoryEligibility(request, reviewerGroups, v, rbac).length > 0);
}
