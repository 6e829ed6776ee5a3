/**
 * Selecting an eligible approval: the approvals whose credential would pass the gate for their
 * action now. The same checks as the gate, in the same order, without consuming anything: the
 * action's own checks, a fresh evaluation that must decide as the approval's decision did, the
 * credential through the gate's verifier, then revocation, single use and self-approval.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import { isSameParty } from '../domain/approval.js';
import type { Principal, PrincipalRef } from '../domain/principal.js';
import type { ErrorCode } from '../errors/index.js';
import type { Page, PageRequest } from '../store/port.js';
import { actionRejection } from './action-checks.js';
import { assertScope } from './access.js';
import type { ServiceDeps } from './ports.js';
import type { EvaluateService } from './evaluate-service.js';

export type EligibilityDeps = Pick<ServiceDeps, 'store' | 'clock' | 'policy' | 'verifier'> & {
  evaluator: Pick<EvaluateService, 'decide'>;
};

/** How many approvals of one action hash are examined for `usableFor` (newest first). */
const SCAN_LIMIT = 50;

export function createEligibility(deps: EligibilityDeps) {
  /** The code the gate would refuse this approval's credential with now, or null (usable). */
  async function refusal(a: ApprovalRequest, nowMs: number): Promise<ErrorCode | null> {
    if (a.state !== 'approved') return 'credential_not_ready';
    const current = deps.evaluator.decide(a.action);
    if (current.outcome !== 'require_approval') return 'approval_not_required';
    // the approval covers exactly this action, decided as it is decided now
    if (current.actionHash !== a.actionHash) return 'action_mismatch';
    if (deps.policy.decisionsDiffer(a.decision, current)) return 'policy_snapshot_mismatch';
    const own = await actionRejection(deps, a.action);
    if (own) return own.code;
    const cred = await deps.store.getCredential(a.id);
    if (!cred) return 'credential_not_ready';
    if (!deps.verifier) return 'keyset_unavailable';
    const verified = await deps.verifier.verify(cred.token, a.action, {
      posture: current.posture,
      requiredCapabilities: current.requiredCapabilities,
      nowMs,
    });
    if (!verified.ok) return verified.code;
    const claims = verified.claims;
    if (claims.sub !== a.id) return 'approval_revoked';
    if (claims.single_use && (await deps.store.isCredentialConsumed(claims.jti))) {
      return 'credential_consumed';
    }
    if (!claims.break_glass && claims.approvers.some((x) => x.sub === claims.requested_by)) {
      return 'self_approval';
    }
    return null;
  }

  /**
   * One page of approved requests for `actionHash` (newest first), keeping those usable now.
   * A page may hold fewer than `limit` items while `nextCursor` says more were examined.
   */
  async function usable(
    p: Principal,
    actionHash: string,
    page: PageRequest,
  ): Promise<Page<ApprovalRequest>> {
    assertScope(p, 'approvals:request', 'approvals:review', 'audit:read', 'gate:check');
    const nowMs = deps.clock.now();
    const result = await deps.store.listApprovals({ actionHash, state: 'approved' }, page);
    const items: ApprovalRequest[] = [];
    for (const a of result.items) if ((await refusal(a, nowMs)) === null) items.push(a);
    return { items, nextCursor: result.nextCursor };
  }

  /** The newest usable approval of `actionHash` requested by `requester`, or null. */
  async function usableFor(
    actionHash: string,
    requester: PrincipalRef,
  ): Promise<ApprovalRequest | null> {
    const nowMs = deps.clock.now();
    const page = await deps.store.listApprovals(
      { actionHash, state: 'approved' },
      { limit: SCAN_LIMIT },
    );
    for (const a of page.items) {
      if (!isSameParty(a.requestedBy, requester)) continue;
      if ((await refusal(a, nowMs)) === null) return a;
    }
    return null;
  }

  return { refusal, usable, usableFor };
}

export type Eligibility = ReturnType<typeof createEligibility>;
