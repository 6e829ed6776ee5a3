/**
 * Break-glass: an immediately approved request declared by someone in the environment's
 * break-glass groups, with mandatory evidence and a short expiry. Loud in audit and console.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { principalRef } from '../domain/principal.js';
import { InputError, PolicyError, type FieldError } from '../errors/index.js';
import { isLiteralGroup } from '../identity/rbac.js';
import { breakGlassChange } from '../domain/change.js';
import { formatDuration } from '../lib/duration.js';
import { assertScope } from './access.js';
import { credentialForChange } from './credential-writes.js';
import { changeAuditEvent } from './transition.js';
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
    const change = breakGlassChange(
      {
        id: deps.ids.next('apr'),
        actor: principalRef(principal),
        // the declarer approves as who they are: the credential's approvers list (fed by the
        // reviews) names their own groups, never the approver group they are not a member of
        declarerGroups: [...new Set(principal.groups.filter(isLiteralGroup))].sort(),
        action,
        decision,
        reason: input.reason,
        approverGroup: input.approverGroup,
        ...(input.externalRef !== undefined ? { externalRef: input.externalRef } : {}),
        expiresInMs: input.expiresInMs,
      },
      deps.clock.now(),
    );
    const approval = change.next;
    // signed before BEGIN: nothing slow inside the transaction
    const credential = await credentialForChange(deps, principal, approval);
    await deps.store.transaction(async (tx) => {
      await tx.insertDecision(decision, action);
      await tx.insertApproval(approval);
      await tx.appendAudit(changeAuditEvent(deps, principal, change));
      if (credential) {
        await credential.write(tx);
        for (const e of credential.events) await tx.appendAudit(e);
      }
      if (deps.changeHook) await deps.changeHook.onChange(tx, approval, change.event);
    });
    deps.bus.publishApproval({ approval, event: change.event });
    return approval;
  }
  return { breakGlass };
}

export type BreakGlassService = ReturnType<typeof createBreakGlassService>;
