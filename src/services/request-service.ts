/**
 * Opening an approval request: from an action (evaluated now) or a stored decision. Creation is
 * idempotent per action hash and requester while a request is pending (another requester gets
 * 409 approval_already_pending) and while the requester holds an approval of that action whose
 * credential would pass the gate now (that approval is the answer; another requester's is never
 * handed out); a pending one past its expiry is expired (actor `system`) in the same
 * transaction and a new one opened. An action the gate refuses whatever the approval (an
 * unregistered pipeline version, a replay from another environment) opens no request.
 */
import type { Action } from '../domain/action.js';
import type { ApprovalRequest } from '../domain/approval.js';
import { effectiveState, isSameParty } from '../domain/approval.js';
import type { Decision, Quorum } from '../domain/decision.js';
import type { Principal } from '../domain/principal.js';
import { principalRef, SYSTEM_PRINCIPAL } from '../domain/principal.js';
import { ConflictError, InputError, PolicyError } from '../errors/index.js';
import { isoAt } from '../lib/clock.js';
import { isCallbackAllowed } from '../lib/callback-allowlist.js';
import { formatDuration } from '../lib/duration.js';
import { assertScope } from './access.js';
import { approvalFields, auditEvent } from './audit-events.js';
import type { ServiceDeps } from './ports.js';
import type { EvaluateService } from './evaluate-service.js';
import { actionRejection } from './action-checks.js';
import { createEligibility } from './eligibility-service.js';

export type RequestDeps = Pick<
  ServiceDeps,
  'store' | 'clock' | 'ids' | 'policy' | 'bus' | 'callbackAllowlist' | 'changeHook'
> &
  Partial<Pick<ServiceDeps, 'verifier'>> & { evaluator: Pick<EvaluateService, 'decide'> };

export interface CreateRequestInput {
  action?: unknown;
  decisionId?: string;
  ttlMs?: number;
  callbackUrl?: string;
  note?: string;
  approverGroup?: string;
}

export interface CreateRequestResult {
  approval: ApprovalRequest;
  created: boolean;
}

/** Refuses decisions that cannot become a request, with the decision's own reason code. */
export function assertNeedsApproval(decision: Decision): void {
  switch (decision.outcome) {
    case 'require_approval':
      return;
    case 'allow':
      throw new ConflictError(
        'approval_not_required',
        `policy allows this action without approval (${decision.reasonCode})`,
      );
    case 'dry_run_only':
      throw new PolicyError('dry_run_only', decision.reason);
    case 'deny':
      if (decision.reasonCode === 'unknown_environment') {
        throw new InputError('unknown_environment', decision.reason, [
          { path: '/action/environment', message: decision.reason },
        ]);
      }
      throw new PolicyError(
        decision.reasonCode === 'replay_disabled' || decision.reasonCode === 'no_approver_group'
          ? decision.reasonCode
          : 'action_denied_by_posture',
        decision.reason,
      );
  }
}

/** `approverGroup` may only narrow routing, and never drop a group an `each` quorum needs. */
export function narrowQuorum(decision: Decision, approverGroup?: string): Quorum {
  const quorum = decision.quorum ?? { min: 1, groups: decision.approverGroups, mode: 'any' };
  if (approverGroup === undefined) return quorum;
  if (!decision.approverGroups.includes(approverGroup)) {
    throw new InputError(
      'approver_group_not_allowed',
      `approver group "${approverGroup}" is not one the policy routed this action to`,
      [
        {
          path: '/approverGroup',
          message: `must be one of: ${decision.approverGroups.join(', ')}`,
        },
      ],
    );
  }
  if (quorum.mode === 'each' && quorum.groups.length > 1) {
    throw new InputError(
      'approver_group_not_allowed',
      'this action needs an approval from every one of its approver groups; it cannot be narrowed',
      [{ path: '/approverGroup', message: 'quorum mode is each' }],
    );
  }
  return { ...quorum, groups: [approverGroup] };
}

export function createRequestService(deps: RequestDeps) {
  const eligibility = createEligibility({ ...deps, verifier: deps.verifier ?? null });
  function resolveTtl(ttlMs?: number): number {
    const max = deps.policy.maxRequestTtlMs();
    if (ttlMs === undefined) return Math.min(deps.policy.requestTtlMs(), max);
    if (ttlMs <= 0 || ttlMs > max) {
      throw new InputError('validation_failed', 'ttl is out of range', [
        { path: '/ttl', message: `must be more than 0 and at most ${formatDuration(max)}` },
      ]);
    }
    return ttlMs;
  }

  function checkCallback(url?: string): void {
    if (url === undefined) return;
    if (!isCallbackAllowed(url, deps.callbackAllowlist)) {
      throw new InputError('validation_failed', 'callbackUrl is not allowed', [
        {
          path: '/callbackUrl',
          message:
            deps.callbackAllowlist.length === 0
              ? 'callbacks are disabled (notifications.callbackAllowlist is empty)'
              : 'must be under a prefix in notifications.callbackAllowlist (same scheme and host, no user info, path under the prefix path)',
        },
      ]);
    }
  }

  async function resolveDecision(
    input: CreateRequestInput,
  ): Promise<{ action: Action; decision: Decision; stored: boolean }> {
    if ((input.action === undefined) === (input.decisionId === undefined)) {
      throw new InputError('validation_failed', 'send either action or decisionId', [
        { path: '/', message: 'exactly one of action, decisionId is required' },
      ]);
    }
    if (input.decisionId !== undefined) {
      const stored = await deps.store.getDecision(input.decisionId);
      if (!stored) throw new ConflictError('not_found', `decision ${input.decisionId} not found`);
      // a decision made under an older policy is re-evaluated: the policy in force is what counts
      if (stored.decision.policySnapshot === deps.policy.snapshot()) {
        return { action: stored.action, decision: stored.decision, stored: true };
      }
      return {
        action: stored.action,
        decision: deps.evaluator.decide(stored.action),
        stored: false,
      };
    }
    const action = deps.policy.normalizeAction(input.action);
    return { action, decision: deps.evaluator.decide(action), stored: false };
  }

  async function create(
    principal: Principal,
    input: CreateRequestInput,
  ): Promise<CreateRequestResult> {
    assertScope(principal, 'approvals:request');
    const { action, decision, stored } = await resolveDecision(input);
    assertNeedsApproval(decision);
    // an action the gate would refuse whatever the approval (unregistered build, replay from
    // another environment) is refused now, before reviewers spend time on it
    const own = await actionRejection(deps, action);
    if (own) throw new PolicyError(own.code, own.message, { details: own.details ?? {} });
    const quorum = narrowQuorum(decision, input.approverGroup);
    const ttlMs = resolveTtl(input.ttlMs);
    checkCallback(input.callbackUrl);
    // an approval of this requester that would pass the gate now is the answer: no second request
    const usable = await eligibility.usableFor(decision.actionHash, principalRef(principal));
    if (usable) return { approval: usable, created: false };
    const nowMs = deps.clock.now();
    const now = isoAt(nowMs);
    const me = principalRef(principal);

    const result = await deps.store.transaction(async (tx) => {
      const existing = await tx.findPendingByActionHash(decision.actionHash);
      let expiredOld: ApprovalRequest | null = null;
      if (existing) {
        if (effectiveState(existing, nowMs) === 'pending') {
          // idempotent for the same requester only: someone else's request is not handed over
          if (!isSameParty(existing.requestedBy, me)) {
            throw new ConflictError(
              'approval_already_pending',
              'another principal already has a pending request for this action',
              { details: { approvalId: existing.id } },
            );
          }
          return { approval: existing, created: false, expiredOld };
        }
        expiredOld = {
          ...existing,
          state: 'expired',
          decidedAt: now,
          history: [...existing.history, { event: 'expired', actor: 'system', at: now }],
        };
        if (!(await tx.updateApproval(expiredOld, existing.version))) {
          throw new ConflictError('approval_not_pending', 'a concurrent change; try again');
        }
        expiredOld = { ...expiredOld, version: existing.version + 1 };
        await tx.appendAudit(
          auditEvent(deps, 'approval.expired', SYSTEM_PRINCIPAL, {
            ...approvalFields(expiredOld),
            outcome: 'expired',
            reasonCode: 'expired',
            details: { expiresAt: existing.expiresAt },
          }),
        );
        if (deps.changeHook) await deps.changeHook.onChange(tx, expiredOld, 'expired');
      }
      const approval: ApprovalRequest = {
        id: deps.ids.next('apr'),
        state: 'pending',
        version: 1,
        action,
        actionHash: decision.actionHash,
        decision,
        approverGroups: quorum.groups,
        quorum,
        requestedBy: me,
        createdAt: now,
        expiresAt: isoAt(nowMs + ttlMs),
        decidedAt: null,
        breakGlass: null,
        reviews: [],
        history: [
          {
            event: 'requested',
            actor: me.id,
            at: now,
            ...(action.reason ? { reason: action.reason } : {}),
          },
        ],
        note: input.note ?? null,
        callbackUrl: input.callbackUrl ?? null,
      };
      if (!stored) await tx.insertDecision(decision, action);
      await tx.insertApproval(approval);
      await tx.appendAudit(
        auditEvent(deps, 'approval.requested', principal, {
          ...approvalFields(approval),
          outcome: 'pending',
          reasonCode: decision.reasonCode,
          details: {
            kind: action.kind,
            mode: action.mode,
            target: action.target ?? null,
            matchedRule: decision.matchedRule,
            approverGroups: approval.approverGroups,
            quorum,
            expiresAt: approval.expiresAt,
            riskTags: decision.riskTags,
          },
        }),
      );
      if (deps.changeHook) await deps.changeHook.onChange(tx, approval, 'requested');
      return { approval, created: true, expiredOld };
    });
    if (result.expiredOld)
      deps.bus.publishApproval({ approval: result.expiredOld, event: 'expired' });
    if (result.created) deps.bus.publishApproval({ approval: result.approval, event: 'requested' });
    return { approval: result.approval, created: result.created };
  }

  return { create };
}

export type RequestService = ReturnType<typeof createRequestService>;
