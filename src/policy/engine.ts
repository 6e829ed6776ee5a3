/**
 * A loaded policy document behind the services' PolicyEngine port (services/ports.ts, satisfied
 * structurally: policy/ imports nothing from services). Reading the files is config's job
 * (config/policy-files.ts).
 */
import type { Action } from '../domain/action.js';
import type { DecisionDraft } from '../domain/decision.js';
import {
  allowsCrossEnvironmentReplay,
  approvalReasonRequired,
  breakGlassEnvironments,
  breakGlassRules,
  describeMatchedRule,
  decisionDiffers,
  evaluate,
  maxRequestTtlMs,
  normalizeAction,
  policySnapshot,
  requestTtlMs,
  requiresRegisteredVersion,
  type Policy,
  type RoutingRule,
} from './index.js';

export type LoadedPolicyEngine = ReturnType<typeof createPolicyEngine>;

export function createPolicyEngine(
  policy: Policy,
  repositoryRouting: ReadonlyMap<string, readonly RoutingRule[]> = new Map(),
) {
  const snapshot = policySnapshot(policy);
  return {
    policy,
    snapshot: () => snapshot,
    normalizeAction: (input: unknown): Action => normalizeAction(input),
    evaluate: (action: Action): DecisionDraft => {
      const routing = action.repository ? repositoryRouting.get(action.repository) : undefined;
      return evaluate(policy, action, routing ? { repositoryRouting: routing } : {});
    },
    breakGlassRules: (env: string) => breakGlassRules(policy, env),
    requestTtlMs: () => requestTtlMs(policy),
    maxRequestTtlMs: () => maxRequestTtlMs(policy),
    allowsCrossEnvironmentReplay: (env: string) => allowsCrossEnvironmentReplay(policy, env),
    decisionsDiffer: (a: DecisionDraft, b: DecisionDraft): boolean => decisionDiffers(a, b),
    requiresRegisteredVersion: (env: string, kind: string) =>
      requiresRegisteredVersion(policy, env, kind),
    describeRule: (matchedRule: string | null) => describeMatchedRule(policy, matchedRule),
    approvalReasonRequired: (env: string) => approvalReasonRequired(policy, env),
    breakGlassEnvironments: () => breakGlassEnvironments(policy),
  };
}
