/**
 * Policy evaluation (docs/domain.md §2): action → decision draft. Pure: no clock, no ids, no I/O.
 *
 * Order: unknown environment → `deny` posture → dry-run → execute replay → the environment's
 * `actions[kind]` → the first matching `rules` entry → the environment's `sideEffects` default;
 * approval with no approver group is denied (fail closed); routing may then replace the groups.
 */
import { sortedUnique } from '../domain/action.js';
import type { Action } from '../domain/action.js';
import type {
  DecisionDraft,
  DecisionOutcome,
  DecisionReasonCode,
  Quorum,
} from '../domain/decision.js';
import { jcs } from '../lib/hash.js';
import { actionHash } from './action.js';
import { environmentOf } from './environment.js';
import { globMatches } from './glob.js';
import type {
  EnvironmentPolicy,
  Policy,
  PolicyEntry,
  RoutingRule,
  RuleMatch,
} from './policy-types.js';
import { approvalReason, findRoute, routeQuorum, ruleIdOf } from './routing.js';

export interface EvaluateOptions {
  /**
   * Routing rules from the action's repository (`.countersign/routing.yaml`). When given and the
   * action names a repository, they are used INSTEAD of the policy's `routing`.
   */
  repositoryRouting?: readonly RoutingRule[];
}

interface Resolved {
  entry: PolicyEntry | null;
  matchedRule: string;
  /** True for `actions[kind]` and `rules` entries, false for the environment default. */
  fromEntry: boolean;
}

function ruleMatches(m: RuleMatch, action: Action, riskTags: readonly string[]): boolean {
  if (m.kind && !m.kind.includes(action.kind)) return false;
  if (m.environments && !m.environments.includes(action.environment)) return false;
  if (
    m.targetGlob !== null &&
    (action.target === undefined || !globMatches(m.targetGlob, action.target))
  ) {
    return false;
  }
  if (!m.riskTags.every((t) => riskTags.includes(t))) return false;
  if (m.repository !== null && action.repository !== m.repository) return false;
  return true;
}

/** `actions[kind]`, else the first matching rule, else the environment default. */
function resolveEntry(policy: Policy, env: EnvironmentPolicy, action: Action): Resolved {
  if (Object.prototype.hasOwnProperty.call(env.actions, action.kind)) {
    return {
      entry: env.actions[action.kind] ?? null,
      matchedRule: `environments.${env.id}.actions.${action.kind}`,
      fromEntry: true,
    };
  }
  const tags = env.posture === 'prod' ? [...action.riskTags, 'prod'] : action.riskTags;
  const rule = policy.rules.find((r) => ruleMatches(r.match, action, tags));
  if (rule) return { entry: rule, matchedRule: `rules.${rule.id}`, fromEntry: true };
  return { entry: null, matchedRule: `environments.${env.id}.sideEffects`, fromEntry: false };
}

interface Verdict {
  outcome: DecisionOutcome;
  reasonCode: DecisionReasonCode;
  reason: string;
  matchedRule: string | null;
  quorum: Quorum | null;
  routedBy: string | null;
}

function verdict(
  outcome: DecisionOutcome,
  reasonCode: DecisionReasonCode,
  reason: string,
  matchedRule: string | null,
): Verdict {
  return { outcome, reasonCode, reason, matchedRule, quorum: null, routedBy: null };
}

/** The approval path: entry outcome → allow / deny / quorum (with routing). */
function decideByEntry(
  policy: Policy,
  env: EnvironmentPolicy,
  action: Action,
  resolved: Resolved,
  riskTags: string[],
  opts: EvaluateOptions,
  forceApproval: boolean,
): Verdict {
  const { entry, matchedRule } = resolved;
  // An entry without `outcome` requires approval when it names approvers, else follows the
  // environment (whose `deny` was handled before this point).
  let outcome = entry?.outcome ?? (entry?.approvers ? 'require_approval' : env.sideEffects);
  if (forceApproval && outcome === 'allow') outcome = 'require_approval';
  if (outcome === 'deny') {
    return verdict(
      'deny',
      'action_denied_by_posture',
      `${matchedRule} denies this action`,
      matchedRule,
    );
  }
  if (outcome === 'allow') {
    return resolved.fromEntry
      ? verdict('allow', 'allowed_by_rule', `allowed by ${matchedRule}`, matchedRule)
      : verdict(
          'allow',
          'allowed_by_environment',
          `environment ${env.id} allows side effects`,
          matchedRule,
        );
  }
  const approvers = entry?.approvers ?? env.approvers;
  if (!approvers) {
    return verdict(
      'deny',
      'no_approver_group',
      `${matchedRule} requires approval but names no approver group (fail closed)`,
      matchedRule,
    );
  }
  const unrouted: Quorum = {
    min: approvers.min,
    groups: [...approvers.groups],
    mode: approvers.mode,
  };
  const routes =
    opts.repositoryRouting && action.repository !== undefined
      ? opts.repositoryRouting
      : policy.routing;
  const route = findRoute(routes, {
    kind: action.kind,
    ruleId: ruleIdOf(matchedRule),
    target: action.target,
    riskTags,
    severity: entry?.severity ?? null,
    repository: action.repository,
  });
  // the reason is written from the routed quorum, so it names the groups that actually review
  const quorum = route ? routeQuorum(unrouted, route) : unrouted;
  const routedBy = route ? route.id : null;
  return {
    outcome: 'require_approval',
    reasonCode: 'approval_required',
    reason: approvalReason(matchedRule, quorum, routedBy),
    matchedRule,
    quorum,
    routedBy,
  };
}

/** Dry-run and replay steps that come before the entries; null = continue to the entries. */
function decideByMode(env: EnvironmentPolicy, action: Action): Verdict | 'approval_path' | null {
  const replayRule = `environments.${env.id}.replay`;
  const isReplay = action.kind === 'replay';
  if (isReplay && env.replay === 'disabled') {
    return verdict(
      'deny',
      'replay_disabled',
      `replay is disabled in environment ${env.id}`,
      replayRule,
    );
  }
  if (action.mode === 'dry-run') {
    if (isReplay && env.dryRunReplayRequiresApproval) return 'approval_path';
    return verdict(
      'allow',
      'dry_run_allowed',
      'a dry-run has no side effects and needs no approval',
      isReplay ? replayRule : null,
    );
  }
  if (isReplay && env.replay === 'dry_run_only') {
    return verdict(
      'dry_run_only',
      'dry_run_only',
      `environment ${env.id} allows replay only as a dry-run`,
      replayRule,
    );
  }
  return null;
}

/** Evaluates an action against a policy. Pure: the caller adds `decisionId` and `evaluatedAt`. */
export function evaluate(
  policy: Policy,
  action: Action,
  opts: EvaluateOptions = {},
): DecisionDraft {
  const env = environmentOf(policy, action.environment);
  const resolved: Resolved | null = env ? resolveEntry(policy, env, action) : null;
  const entry = resolved?.entry ?? null;
  const requiredCapabilities = sortedUnique([
    ...action.capabilities,
    ...(entry?.capabilities ?? []),
  ]);
  const riskTags = sortedUnique([
    ...action.riskTags,
    ...(entry?.riskTags ?? []),
    ...(env?.posture === 'prod' ? ['prod'] : []),
  ]);
  const credentialTtlMs = entry?.credentialTtlMs ?? policy.defaults.credentialTtlMs;

  let v: Verdict;
  if (!env || !resolved) {
    v = verdict(
      'deny',
      'unknown_environment',
      `environment ${action.environment} is not defined in the policy`,
      null,
    );
  } else if (env.sideEffects === 'deny') {
    v = verdict(
      'deny',
      'action_denied_by_posture',
      `environment ${env.id} denies side effects`,
      `environments.${env.id}.sideEffects`,
    );
  } else {
    const byMode = decideByMode(env, action);
    v =
      byMode === null || byMode === 'approval_path'
        ? decideByEntry(policy, env, action, resolved, riskTags, opts, byMode === 'approval_path')
        : byMode;
  }

  const constraints = { ...action.constraints, ...(entry?.constraints ?? {}) };
  return {
    outcome: v.outcome,
    reasonCode: v.reasonCode,
    reason: v.reason,
    matchedRule: v.matchedRule,
    requiredCapabilities,
    approverGroups: v.quorum ? [...v.quorum.groups] : [],
    quorum: v.quorum,
    riskTags,
    constraints,
    policySnapshot: policy.snapshot,
    actionHash: actionHash(action, {
      requiredCapabilities,
      riskTags,
      constraints,
      matchedRule: v.matchedRule,
      quorum: v.quorum,
    }),
    environment: action.environment,
    posture: env?.posture ?? null,
    severity: entry?.severity ?? null,
    credentialTtlSec: Math.max(1, Math.floor(credentialTtlMs / 1000)),
    singleUse: entry?.singleUse ?? action.mode === 'execute',
    routedBy: v.routedBy,
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = sortedUnique(a);
  const sb = sortedUnique(b);
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

/**
 * Whether two decisions differ in anything an approval is bound to: outcome, matched rule,
 * required capabilities, approver groups and quorum, risk tags or constraints. Two decisions that
 * agree here have the same action hash for the same action.
 */
export function decisionDiffers(a: DecisionDraft, b: DecisionDraft): boolean {
  if (a.outcome !== b.outcome || a.matchedRule !== b.matchedRule) return true;
  if (!sameSet(a.requiredCapabilities, b.requiredCapabilities)) return true;
  if (!sameSet(a.approverGroups, b.approverGroups)) return true;
  if (!sameSet(a.riskTags, b.riskTags)) return true;
  if ((a.quorum === null) !== (b.quorum === null)) return true;
  if (a.quorum && b.quorum) {
    if (a.quorum.min !== b.quorum.min || a.quorum.mode !== b.quorum.mode) return true;
    if (!sameSet(a.quorum.groups, b.quorum.groups)) return true;
  }
  return jcs(a.constraints) !== jcs(b.constraints);
}
