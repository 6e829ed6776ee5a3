/**
 * The ChangeHook that answers GitHub: in the transaction that decides a request, one outbox row
 * per deployment linked to it, so the callback commits (or rolls back) with the decision and a
 * restart never loses it. The row's message id is per link: a later change (a revocation after
 * the approval) enqueues nothing more.
 */
import type { ApprovalRequest } from '../../domain/approval.js';
import { isoAt, type Clock } from '../../lib/clock.js';
import type { IdGenerator } from '../../lib/ids.js';
import type { ChangeHook } from '../../services/ports.js';
import type { StoreTx } from '../../store/port.js';
import { approvalAudit, callbackRow, reviewOfApproval } from './protection-rule.js';

/** Enqueues the callbacks of a decided request's deployments (nothing while it is pending). */
export async function enqueueDeploymentCallbacks(
  tx: StoreTx,
  approval: ApprovalRequest,
  deps: { ids: IdGenerator; clock: Clock },
): Promise<number> {
  const review = reviewOfApproval(approval);
  if (review === null) return 0;
  const links = await tx.listGithubDeployments(approval.id);
  if (links.length === 0) return 0;
  const nowIso = isoAt(deps.clock.now());
  const audit = approvalAudit(approval);
  return tx.enqueueDeliveries(
    links.map((l) => callbackRow(l, review, audit, { ids: deps.ids, nowIso })),
  );
}

export function createGithubDeploymentHook(deps: { ids: IdGenerator; clock: Clock }): ChangeHook {
  return {
    async onChange(tx, approval, change) {
      if (change === 'requested' || change === 'reviewed' || change === 'break_glass') return;
      await enqueueDeploymentCallbacks(tx, approval, deps);
    },
  };
}
