/** Storing an issued credential and its audit event, in the approving transaction. */
import type { ApprovalRequest } from '../domain/approval.js';
import type { AuditEvent } from '../domain/audit-event.js';
import type { Principal } from '../domain/principal.js';
import type { StoreTx } from '../store/port.js';
import { approvalFields, auditEvent, type AuditContext } from './audit-events.js';

export interface MintedCredential {
  token: string;
  jti: string;
  kid: string;
  issuedAt: string;
  expiresAt: string;
}

export const credentialWrites = {
  insert:
    (approvalId: string, c: MintedCredential) =>
    async (tx: StoreTx): Promise<void> => {
      await tx.insertCredential({ approvalId, ...c });
    },
  /** The event names the credential by jti and key id; the token itself never enters the log. */
  issuedEvent(
    ctx: AuditContext,
    actor: Principal,
    req: ApprovalRequest,
    c: MintedCredential,
  ): AuditEvent {
    return auditEvent(ctx, 'credential.issued', actor, {
      ...approvalFields(req),
      outcome: 'issued',
      details: {
        jti: c.jti,
        kid: c.kid,
        issuedAt: c.issuedAt,
        expiresAt: c.expiresAt,
        breakGlass: req.breakGlass !== null,
        singleUse: req.decision.singleUse,
      },
    });
  },
};

/**
 * A change that approves gets its credential signed outside the transaction and stored, with its
 * `credential.issued` event, inside it; any other change needs nothing.
 */
export async function credentialForChange(
  deps: AuditContext & { minter: { mint(req: ApprovalRequest): Promise<MintedCredential> } | null },
  actor: Principal,
  approval: ApprovalRequest,
): Promise<{ events: AuditEvent[]; write: (tx: StoreTx) => Promise<void> } | null> {
  if (approval.state !== 'approved' || !deps.minter) return null;
  const credential = await deps.minter.mint(approval);
  return {
    events: [credentialWrites.issuedEvent(deps, actor, approval, credential)],
    write: credentialWrites.insert(approval.id, credential),
  };
}
