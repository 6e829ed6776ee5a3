/**
 * Break-glass: an immediately approved request declared by someone in the environment's
 * break-glass groups, with mandatory evidence and a short expiry. Loud in audit and console.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { principalRef } from '../domain/principal.js';
import { InputError, PolicyError, type FieldError } from '../errors/index.js';
import { isLiteralGroup } from '../identity/rbac.js';
import { isoAt } from '../lib/clock.js';
import { formatDuration } from '../lib/duration.js';
import { assertScope } from './access.js';
import { approvalFields, auditEvent } from './audit-events.js';
import { credentialWrites, type MintedCredential } from './credential-writes.js';
import type { ServiceDeps } from './ports.js';
import type { EvaluateService } from './evaluate-service.js';

export type BreakGlassDeps = Pick<
  ServiceDeps,
  'store' | 'clock' | 'ids' | 'policy' | 'bus' | 'minter' | 'changeHook'
> & {
  evaluator: Pick<EvaluateService, 'decide'>;
};

export interface BreakGlassInput {
  action: unknown;
  reason: string;
  approverGroup: string;
  expiresInMs: number;
  externalRef?: string;
}

export function createBreakGlassService(deps: BreakGlassDeps) {
  async function breakGlass(
    principal: Principal,
    input: BreakGlassInput,
  ): Promise<ApprovalRequest> {
    assertScope(principal, 'approvals:request');
    const action = deps.policy.normalizeAction(input.action);
    const rules = deps.policy.breakGlassRules(action.environment);
    const decision = deps.evaluator.decide(action);
    if (!rules) {
      // a deny posture is the stronger answer: nothing but the environment's own break-glass
      // rules overrides it, and here there are none
      if (decision.reasonCode === 'action_denied_by_posture') {
        throw new PolicyError('action_denied_by_posture', decision.reason);
      }
      throw new PolicyError(
        'break_glass_not_allowed',
        `break-glass is not allowed in environment ${action.environment}`,
      );
    }
    if (!principal.groups.some((g) => rules.groups.includes(g))) {
      throw new PolicyError(
        'forbidden',
        `break-glass needs membership of one of: ${rules.groups.join(', ')}`,
      );
    }
    const errors: FieldError[] = [];
    if (input.reason.trim() === '')
      errors.push({ path: '/reason', message: 'a reason is required' });
    if (rules.requireExternalRef && !input.externalRef?.trim()) {
      errors.push({
        path: '/externalRef',
        message: 'an external reference (incident id) is required',
      });
    }
    const allowedGroups = [...new Set([...decision.approverGroups, ...rules.groups])];
    if (!allowedGroups.includes(input.approverGroup)) {
      errors.push({
        path: '/approverGroup',
        message: `must be one of: ${allowedGroups.join(', ')}`,
      });
    }
    if (input.expiresInMs <= 0 || input.expiresInMs > rules.maxDurationMs) {
      errors.push({
        path: '/expiresIn',
        message: `must be more than 0 and at most ${formatDuration(rules.maxDurationMs)}`,
      });
    }
    if (errors.length > 0) {
      throw new InputError('validation_failed', 'break-glass needs complete evidence', errors);
    }
    const nowMs = deps.clock.now();
    const at = isoAt(nowMs);
    const me = principalRef(principal);
    // the declarer approves as who they are: the credential's approvers list (fed by the
    // reviews) names their own groups, never the approver group they are not a member of
    const declarerGroups = [...new Set(principal.groups.filter(isLiteralGroup))].sort();
    const approval: ApprovalRequest = {
      id: deps.ids.next('apr'),
      state: 'approved',
      version: 1,
      action,
      actionHash: decision.actionHash,
      decision,
      approverGroups: [input.approverGroup],
      quorum: { min: 1, groups: [input.approverGroup], mode: 'any' },
      requestedBy: me,
      createdAt: at,
      expiresAt: isoAt(nowMs + input.expiresInMs),
      decidedAt: at,
      breakGlass: {
        reason: input.reason,
        approverGroup: input.approverGroup,
        externalRef: input.externalRef ?? null,
      },
      reviews: [
        {
          reviewer: me,
          verdict: 'approve',
          reason: input.reason,
          externalRef: input.externalRef ?? null,
          groups: declarerGroups,
          at,
        },
      ],
      history: [
        {
          event: 'break_glass',
          actor: me.id,
          at,
          reason: input.reason,
          ...(input.externalRef ? { externalRef: input.externalRef } : {}),
        },
      ],
      note: null,
      callbackUrl: null,
    };
    // signed before BEGIN: nothing slow inside the transaction
    const credential: MintedCredential | null = deps.minter
      ? await deps.minter.mint(approval)
      : null;
    await deps.store.transaction(async (tx) => {
      await tx.insertDecision(decision, action);
      await tx.insertApproval(approval);
      await tx.appendAudit(
        auditEvent(deps, 'approval.break_glass', principal, {
          ...approvalFields(approval),
          approvalRequired: decision.outcome === 'require_approval',
          outcome: 'approved',
          reasonCode: decision.reasonCode,
          details: {
            breakGlass: true,
            reason: input.reason,
            approverGroup: input.approverGroup,
            declarerGroups,
            externalRef: input.externalRef ?? null,
            expiresAt: approval.expiresAt,
            policyOutcome: decision.outcome,
          },
        }),
      );
      if (credential) {
        await credentialWrites.insert(approval.id, credential)(tx);
        await tx.appendAudit(credentialWrites.issuedEvent(deps, principal, approval, credential));
      }
      if (deps.changeHook) await deps.changeHook.onChange(tx, approval, 'break_glass');
    });
    deps.bus.publishApproval({ approval, event: 'break_glass' });
    return approval;
  }
  return { breakGlass };
}

export type BreakGlassService = ReturnType<typeof createBreakGlassService>;
