/** Cancel, expire (by an admin or the sweeper) and revoke. */
import type { ApprovalRequest, ApprovalState, HistoryEntry } from '../domain/approval.js';
import { effectiveState } from '../domain/approval.js';
import type { AuditEventType } from '../domain/audit-event.js';
import type { Principal } from '../domain/principal.js';
import { SYSTEM_PRINCIPAL } from '../domain/principal.js';
import { ConflictError, PolicyError } from '../errors/index.js';
import { isoAt } from '../lib/clock.js';
import { startPeriodic } from '../lib/periodic.js';
import { isAdmin, mayCancel, mayRevoke } from './access.js';
import { approvalFields, auditEvent } from './audit-events.js';
import type { ServiceDeps } from './ports.js';
import { transitionApproval } from './transition.js';

export type LifecycleDeps = Pick<ServiceDeps, 'store' | 'clock' | 'ids' | 'bus' | 'changeHook'>;

interface Change {
  to: Extract<ApprovalState, 'cancelled' | 'expired' | 'revoked'>;
  from: 'pending' | 'approved';
  type: AuditEventType;
  history: HistoryEntry['event'];
}

const CANCEL: Change = {
  to: 'cancelled',
  from: 'pending',
  type: 'approval.cancelled',
  history: 'cancelled',
};
const EXPIRE: Change = {
  to: 'expired',
  from: 'pending',
  type: 'approval.expired',
  history: 'expired',
};
const REVOKE: Change = {
  to: 'revoked',
  from: 'approved',
  type: 'approval.revoked',
  history: 'revoked',
};

export function createLifecycleService(deps: LifecycleDeps) {
  function change(
    actor: Principal,
    id: string,
    c: Change,
    reason: string | undefined,
    authorize: (req: ApprovalRequest) => void,
  ): Promise<ApprovalRequest> {
    return transitionApproval(deps, id, (current) => {
      authorize(current);
      const nowMs = deps.clock.now();
      // expiry by time: a pending request past expiresAt may still be recorded as expired
      const state = c === EXPIRE ? current.state : effectiveState(current, nowMs);
      if (state !== c.from) {
        throw new ConflictError(
          c.from === 'pending' ? 'approval_not_pending' : 'approval_not_approved',
          `approval ${id} is ${effectiveState(current, nowMs)}, not ${c.from}`,
        );
      }
      const at = isoAt(nowMs);
      const next: ApprovalRequest = {
        ...current,
        state: c.to,
        decidedAt: c.to === 'revoked' ? current.decidedAt : at,
        history: [
          ...current.history,
          {
            event: c.history,
            actor: actor.id,
            actorName: actor.name,
            at,
            ...(reason ? { reason } : {}),
          },
        ],
      };
      return {
        next,
        publish: c.to,
        events: [
          auditEvent(deps, c.type, actor, {
            ...approvalFields(next),
            outcome: c.to,
            reasonCode: c === EXPIRE && actor.kind === 'system' ? 'expired' : null,
            details: { reason: reason ?? null, previousState: current.state },
          }),
        ],
      };
    });
  }

  const cancel = (p: Principal, id: string, reason?: string) =>
    change(p, id, CANCEL, reason, (req) => {
      if (!mayCancel(p, req)) {
        throw new PolicyError('forbidden', 'only the requester or an admin can cancel a request');
      }
    });

  const expire = (p: Principal, id: string, reason?: string) =>
    change(p, id, EXPIRE, reason, () => {
      if (p.kind !== 'system' && !isAdmin(p)) {
        throw new PolicyError('forbidden', 'only an admin can expire a request');
      }
    });

  const revoke = (p: Principal, id: string, reason: string) =>
    change(p, id, REVOKE, reason, (req) => {
      if (!mayRevoke(p, req)) {
        throw new PolicyError(
          'forbidden',
          'only an admin, an approver of this request or, for break-glass, a reviewer of its approver group can revoke it',
        );
      }
    });

  /** One sweep: records every pending request past its expiry as expired by `system`. */
  async function sweepExpired(limit = 100): Promise<number> {
    const due = await deps.store.listExpiredPending(isoAt(deps.clock.now()), limit);
    let n = 0;
    for (const req of due) {
      try {
        await expire(SYSTEM_PRINCIPAL, req.id, 'request expired');
        n++;
      } catch (err) {
        // decided or expired by someone else meanwhile: nothing to do
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    return n;
  }

  return { cancel, expire, revoke, sweepExpired };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;

/** Runs the sweeper every `intervalMs` until stopped; one sweep at a time. */
export function startExpirySweeper(
  sweep: () => Promise<number>,
  intervalMs: number,
  onError: (err: unknown) => void,
): { stop: () => void } {
  return startPeriodic(sweep, intervalMs, onError);
}
