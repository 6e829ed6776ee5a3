/** Builders for audit events, so every service fills the schema the same way. */
import type { ApprovalRequest } from '../domain/approval.js';
import type { AuditEvent, AuditEventType } from '../domain/audit-event.js';
import type { Decision } from '../domain/decision.js';
import type { Principal } from '../domain/principal.js';
import { isoAt, type Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';

export interface AuditContext {
  clock: Clock;
  ids: IdGenerator;
}

export function auditEvent(
  ctx: AuditContext,
  type: AuditEventType,
  actor: Principal,
  fields: Partial<Omit<AuditEvent, 'schema' | 'type' | 'eventId' | 'at' | 'actor'>> & {
    outcome: string;
  },
): AuditEvent {
  return {
    schema: 'countersign.audit/v1',
    type,
    eventId: ctx.ids.next('evt'),
    at: isoAt(ctx.clock.now()),
    actor: { id: actor.id, kind: actor.kind, name: actor.name },
    environment: fields.environment ?? null,
    project: fields.project ?? null,
    approvalId: fields.approvalId ?? null,
    decisionId: fields.decisionId ?? null,
    approvalRequired: fields.approvalRequired ?? null,
    requiredCapabilities: fields.requiredCapabilities ?? [],
    outcome: fields.outcome,
    reasonCode: fields.reasonCode ?? null,
    actionHash: fields.actionHash ?? null,
    specHash: fields.specHash ?? null,
    details: fields.details ?? {},
  };
}

/** The fields every approval event carries: what, where, which approval, what was required. */
export function approvalFields(req: ApprovalRequest) {
  return {
    environment: req.action.environment,
    project: req.action.project,
    approvalId: req.id,
    decisionId: req.decision.decisionId,
    approvalRequired: true,
    requiredCapabilities: req.decision.requiredCapabilities,
    actionHash: req.actionHash,
    specHash: req.action.specHash,
  };
}

export function decisionFields(d: Decision) {
  return {
    environment: d.environment,
    decisionId: d.decisionId,
    approvalRequired: d.outcome === 'require_approval',
    requiredCapabilities: d.requiredCapabilities,
    reasonCode: d.reasonCode,
    actionHash: d.actionHash,
  };
}
