/** Which policy is in force, recorded in the audit log when it changes. */
import { SYSTEM_PRINCIPAL } from '../domain/principal.js';
import { auditEvent } from './audit-events.js';
import type { ServiceDeps } from './ports.js';

export function createPolicyRecord(deps: Pick<ServiceDeps, 'store' | 'clock' | 'ids' | 'policy'>) {
  /**
   * Appends `policy.loaded` when the policy in force differs from the last one recorded (once
   * per start). Reads only the newest such event. Resolves with whether it appended one.
   */
  async function recordLoaded(file: string): Promise<boolean> {
    const last = await deps.store.listAuditEvents(
      { type: 'policy.loaded' },
      { limit: 1, order: 'desc' },
    );
    const previous = last.items[0]?.event.details.policySnapshot;
    const snapshot = deps.policy.snapshot();
    if (previous === snapshot) return false;
    await deps.store.transaction(async (tx) => {
      await tx.appendAudit(
        auditEvent(deps, 'policy.loaded', SYSTEM_PRINCIPAL, {
          outcome: 'loaded',
          details: { policySnapshot: snapshot, previousSnapshot: previous ?? null, file },
        }),
      );
    });
    return true;
  }

  return { recordLoaded };
}
