/**
 * The one way a request changes: inside a transaction, re-read it, compute the change, write it
 * conditionally (version check) with exactly one audit event, and publish after COMMIT. A lost
 * race re-reads and re-decides, a bounded number of times.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import type { AuditEvent } from '../domain/audit-event.js';
import { ConflictError } from '../errors/index.js';
import type { StoreTx } from '../store/port.js';
import type { ApprovalChangeEvent, ServiceDeps } from './ports.js';

export interface TransitionPlan {
  next: ApprovalRequest;
  events: AuditEvent[];
  /** Extra writes in the same transaction (e.g. the credential). */
  extra?: (tx: StoreTx) => Promise<void>;
  publish: ApprovalChangeEvent;
}

const MAX_ATTEMPTS = 5;

export async function transitionApproval(
  deps: Pick<ServiceDeps, 'store' | 'bus' | 'changeHook'>,
  id: string,
  /** Returns the change, or 'retry' when work prepared before BEGIN is stale. */
  plan: (current: ApprovalRequest) => Promise<TransitionPlan | 'retry'> | TransitionPlan | 'retry',
  /** Work to do before BEGIN (e.g. signing), given the request as last read. */
  prepare?: (current: ApprovalRequest) => Promise<void>,
): Promise<ApprovalRequest> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (prepare) {
      const before = await deps.store.getApproval(id);
      if (!before) throw new ConflictError('not_found', `approval ${id} not found`);
      await prepare(before);
    }
    const outcome = await deps.store.transaction(async (tx) => {
      const current = await tx.getApproval(id);
      if (!current) throw new ConflictError('not_found', `approval ${id} not found`);
      const p = await plan(current);
      if (p === 'retry') return undefined;
      const won = await tx.updateApproval(p.next, current.version);
      if (!won) return undefined; // another writer committed first: re-read and re-decide
      if (p.extra) await p.extra(tx);
      for (const e of p.events) await tx.appendAudit(e);
      const committed = { ...p.next, version: current.version + 1 };
      if (deps.changeHook) await deps.changeHook.onChange(tx, committed, p.publish);
      return { ...p.next, version: current.version + 1, publish: p.publish };
    });
    if (outcome) {
      const { publish, ...approval } = outcome;
      deps.bus.publishApproval({ approval, event: publish });
      return approval;
    }
  }
  throw new ConflictError('approval_not_pending', `approval ${id} is changing; try again`);
}
