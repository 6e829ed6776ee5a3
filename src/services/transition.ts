/**
 * The one way a request changes: read it, decide the change once (`domain/change.ts`, pure), do
 * any slow work for that change outside the transaction (signing its credential), then commit it
 * in one short transaction that writes only if the request is still the version the change was
 * decided on: the new state, its audit event (and any extra ones), the change hooks' rows. The
 * bus hears of it after COMMIT. A lost race re-reads and decides again, a bounded number of times;
 * the rules are never applied twice to one version.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import type { AuditEvent } from '../domain/audit-event.js';
import {
  decideChange,
  isRefusal,
  type ApprovalChange,
  type ApprovalCommand,
  type ChangeRefusal,
} from '../domain/change.js';
import type { Principal } from '../domain/principal.js';
import { ConflictError, InputError, PolicyError } from '../errors/index.js';
import type { StoreTx } from '../store/port.js';
import { approvalFields, auditEvent } from './audit-events.js';
import type { ServiceDeps } from './ports.js';

/** What slow work outside the transaction adds to a change's commit. */
export interface ChangeExtras {
  /** Audit events after the change's own (e.g. `credential.issued`). */
  events: AuditEvent[];
  /** Writes in the same transaction (e.g. the credential). */
  write?: (tx: StoreTx) => Promise<void>;
}

const MAX_ATTEMPTS = 8;

/** A refused command as the typed error the API reports. */
export function refusalError(r: ChangeRefusal): Error {
  switch (r.refused) {
    case 'approval_not_pending':
    case 'approval_not_approved':
    case 'already_reviewed':
      return new ConflictError(r.refused, r.message);
    case 'self_approval':
    case 'not_eligible':
      return new PolicyError(r.refused, r.message);
    case 'reason_required':
      return new InputError('validation_failed', r.message, [
        { path: '/reason', message: 'a reason is required' },
      ]);
  }
}

/** The change's own audit event. */
export function changeAuditEvent(
  deps: Pick<ServiceDeps, 'clock' | 'ids'>,
  actor: Principal,
  change: ApprovalChange,
): AuditEvent {
  return auditEvent(deps, change.audit.type, actor, {
    ...approvalFields(change.next),
    ...(change.audit.approvalRequired !== undefined
      ? { approvalRequired: change.audit.approvalRequired }
      : {}),
    outcome: change.audit.outcome,
    reasonCode: change.audit.reasonCode,
    details: change.audit.details,
  });
}

export async function transitionApproval(
  deps: Pick<ServiceDeps, 'store' | 'bus' | 'changeHook' | 'clock' | 'ids'>,
  actor: Principal,
  id: string,
  /** The command, given the request as read (access checks that depend on it throw here). */
  commandFor: (current: ApprovalRequest) => ApprovalCommand,
  /** Slow work for a decided change, outside the transaction (e.g. signing its credential). */
  extras?: (change: ApprovalChange) => Promise<ChangeExtras | null>,
): Promise<ApprovalRequest> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.store.getApproval(id);
    if (!current) throw new ConflictError('not_found', `approval ${id} not found`);
    const decided = decideChange(current, commandFor(current), deps.clock.now());
    if (isRefusal(decided)) throw refusalError(decided);
    const more = extras ? await extras(decided) : null;
    const committed = await deps.store.transaction(async (tx) => {
      // another writer committed since the read: decide again on what it wrote
      if (!(await tx.updateApproval(decided.next, current.version))) return null;
      if (more?.write) await more.write(tx);
      await tx.appendAudit(changeAuditEvent(deps, actor, decided));
      for (const e of more?.events ?? []) await tx.appendAudit(e);
      const approval = { ...decided.next, version: current.version + 1 };
      if (deps.changeHook) await deps.changeHook.onChange(tx, approval, decided.event);
      return approval;
    });
    if (committed) {
      deps.bus.publishApproval({ approval: committed, event: decided.event });
      return committed;
    }
  }
  throw new ConflictError('approval_not_pending', `approval ${id} is changing; try again`);
}
