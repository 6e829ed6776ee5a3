/** The services' PolicyEngine port over a loaded policy document. */
import { readFileSync } from 'node:fs';
import type { Action } from './domain/action.js';
import { InputError } from './errors/index.js';
import type { DecisionDraft } from './domain/decision.js';
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
  parsePolicy,
  parseRoutingFile,
  policySnapshot,
  requestTtlMs,
  requiresRegisteredVersion,
  type Policy,
  type RoutingRule,
} from './policy/index.js';
import type { PolicyEngine } from './services/ports.js';

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
    requiresRegisteredVersion: (env, kind) => requiresRegisteredVersion(policy, env, kind),
    describeRule: (matchedRule) => describeMatchedRule(policy, matchedRule),
    approvalReasonRequired: (env) => approvalReasonRequired(policy, env),
    breakGlassEnvironments: () => breakGlassEnvironments(policy),
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new InputError('validation_failed', `cannot read the ${what} ${path}`, [
      { path, message: 'file not found or unreadable' },
    ]);
  }
}

export function loadPolicyFile(path: string): Policy {
  return parsePolicy(readText(path, 'policy file'), path);
}

/** Loads each repository's routing file named in config (`policy.repositoryRouting`). */
export function loadRepositoryRouting(
  files: Readonly<Record<string, string>>,
): Map<string, readonly RoutingRule[]> {
  const out = new Map<string, readonly RoutingRule[]>();
  for (const [repository, file] of Object.entries(files)) {
    out.set(repository, parseRoutingFile(readText(file, 'routing file'), file));
  }
  return out;
}
