/** Evaluate an action against policy; the decision is stored and audited in one transaction. */
import type { Action } from '../domain/action.js';
import type { Decision } from '../domain/decision.js';
import type { Principal } from '../domain/principal.js';
import { isoAt } from '../lib/clock.js';
import { assertScope } from './access.js';
import { auditEvent, decisionFields } from './audit-events.js';
import type { ServiceDeps } from './ports.js';

export type EvaluateDeps = Pick<ServiceDeps, 'store' | 'clock' | 'ids' | 'policy'>;

export function createEvaluateService(deps: EvaluateDeps) {
  /** Evaluates without storing: used inside other use cases that store it themselves. */
  function decide(action: Action): Decision {
    const draft = deps.policy.evaluate(action);
    return { ...draft, decisionId: deps.ids.next('dec'), evaluatedAt: isoAt(deps.clock.now()) };
  }

  async function evaluate(
    principal: Principal,
    input: unknown,
  ): Promise<{ action: Action; decision: Decision }> {
    assertScope(principal, 'approvals:request', 'gate:check');
    const action = deps.policy.normalizeAction(input);
    const decision = decide(action);
    await deps.store.transaction(async (tx) => {
      await tx.insertDecision(decision, action);
      await tx.appendAudit(
        auditEvent(deps, 'decision.evaluated', principal, {
          ...decisionFields(decision),
          project: action.project,
          specHash: action.specHash,
          outcome: decision.outcome,
          details: { kind: action.kind, mode: action.mode, matchedRule: decision.matchedRule },
        }),
      );
    });
    return { action, decision };
  }

  return { evaluate, decide };
}

export type EvaluateService = ReturnType<typeof createEvaluateService>;
