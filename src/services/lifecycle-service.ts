/** Cancel, expire (by an admin or the sweeper) and revoke. */
import type { ApprovalRequest } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { principalRef, SYSTEM_PRINCIPAL } from '../domain/principal.js';
import { ConflictError, PolicyError } from '../errors/index.js';
import { isoAt } from '../lib/clock.js';
import { startPeriodic } from '../lib/periodic.js';
import { isAdmin, mayCancel, mayRevoke } from './access.js';
import type { ServiceDeps } from './ports.js';
import { transitionApproval } from './transition.js';

export type LifecycleDeps = Pick<ServiceDeps, 'store' | 'clock' | 'ids' | 'bus' | 'changeHook'>;

type Ending = 'cancel' | 'expire' | 'revoke';

export function createLifecycleService(deps: LifecycleDeps) {
  function change(
    actor: Principal,
    id: string,
    kind: Ending,
    reason: string | undefined,
    authorize: (req: ApprovalRequest) => void,
  ): Promise<ApprovalRequest> {
    return transitionApproval(deps, actor, id, (current) => {
      authorize(current);
      return {
        kind,
        actor: { ...principalRef(actor), ...(actor.kind === 'system' ? { system: true } : {}) },
        ...(reason !== undefined ? { reason } : {}),
      };
    });
  }

  const cancel = (p: Principal, id: string, reason?: string) =>
    change(p, id, 'cancel', reason, (req) => {
      if (!mayCancel(p, req)) {
        throw new PolicyError('forbidden', 'only the requester or an admin can cancel a request');
      }
    });

  const expire = (p: Principal, id: string, reason?: string) =>
    change(p, id, 'expire', reason, () => {
      if (p.kind !== 'system' && !isAdmin(p)) {
        throw new PolicyError('forbidden', 'only an admin can expire a request');
      }
    });

  const revoke = (p: Principal, id: string, reason: string) =>
    change(p, id, 'revoke', reason, (req) => {
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
