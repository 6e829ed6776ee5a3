/** The audit event schema (docs/domain.md §6, docs/audit-log.md). Fields name what they identify. */

export const AUDIT_EVENT_TYPES = [
  'decision.evaluated',
  'approval.requested',
  'approval.reviewed',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
  'approval.revoked',
  'approval.break_glass',
  'approval.decision_attached',
  'approval.imported',
  'credential.issued',
  'gate.allowed',
  'gate.rejected',
  'notification.delivered',
  'notification.failed',
  'key.rotated',
  'key.revoked',
  'policy.loaded',
  'pipeline.version_registered',
  'apikey.created',
  'apikey.revoked',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditActor {
  id: string;
  kind: string;
  name: string;
}

/**
 * One audit event: exactly the object whose JCS bytes are hashed into its Merkle leaf.
 * Never holds a raw credential, signature, token, secret or webhook URL.
 */
export interface AuditEvent {
  schema: 'countersign.audit/v1';
  type: AuditEventType;
  /** Unique id of this event. */
  eventId: string;
  at: string;
  /** Who initiated the step. */
  actor: AuditActor;
  environment: string | null;
  project: string | null;
  approvalId: string | null;
  decisionId: string | null;
  /** Whether policy required approval for the action involved (null when not about an action). */
  approvalRequired: boolean | null;
  requiredCapabilities: string[];
  /** e.g. `allowed`, `rejected`, `pending`, `approved`, `denied`, `issued`, `delivered`. */
  outcome: string;
  reasonCode: string | null;
  actionHash: string | null;
  specHash: string | null;
  /** Type-specific fields, documented per type in docs/audit-log.md. */
  details: Record<string, unknown>;
}
