/** The services' PolicyEngine port over a loaded policy document. */
import { readFileSync } from 'node:fs';
import type { Action } from './domain/action.js';
import type { DecisionDraft } from './domain/decision.js';
import {
  allowsCrossEnvironmentReplay,
  breakGlassRules,
  decisionDiffers,
  evaluate,
  maxRequestTtlMs,
  normalizeAction,
  parsePolicy,
  policySnapshot,
  requestTtlMs,
  type Policy,
  type RoutingRule,
} from './policy/index.js';
import type { PolicyEngine } from './services/deps.js';

export interface LoadedPolicyEngine extends PolicyEngine {
  readonly policy: Policy;
}

export function createPolicyEngine(
  policy: Policy,
  repositoryRouting: ReadonlyMap<string, readonly RoutingRule[]> = new Map(),
): LoadedPolicyEngine {
  const snapshot = policySnapshot(policy);
  return {
    policy,
    snapshot: () => snapshot,
    normalizeAction: (input: unknown): Action => normalizeAction(input),
    evaluate: (action: Action): DecisionDraft => {
      const routing = action.repository ? repositoryRouting.get(action.repository) : undefined;
      return evaluate(policy, action, routing ? { repositoryRouting: routing } : {});
    },
    breakGlassRules: (env) => breakGlassRules(policy, env),
    requestTtlMs: () => requestTtlMs(policy),
    maxRequestTtlMs: () => maxRequestTtlMs(policy),
    allowsCrossEnvironmentReplay: (env) => allowsCrossEnvironmentReplay(policy, env),
    decisionsDiffer: (a, b) => decisionDiffers(a, b),
  };
}

export function loadPolicyFile(path: string): Policy {
  return parsePolicy(readFileSync(path, 'utf8'), path);
}
