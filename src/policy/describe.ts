/** Policy facts shown to people: rule descriptions, the review-reason switch, break-glass choices. */
import { environmentOf } from './environment.js';
import { hasOwn } from '../lib/fields.js';
import type { Policy, PolicyEntry } from './policy-types.js';

/**
 * The `description` of the entry a decision matched (`rules.<id>`,
 * `environments.<env>.actions.<kind>`, or `environments.<env>.sideEffects` for the environment's
 * own description), or null when it has none or the policy no longer has it.
 */
export function describeMatchedRule(policy: Policy, matchedRule: string | null): string | null {
  if (!matchedRule) return null;
  if (matchedRule.startsWith('rules.')) {
    const id = matchedRule.slice('rules.'.length);
    return policy.rules.find((r) => r.id === id)?.description ?? null;
  }
  const m = /^environments\.([^.]+)\.(?:actions\.(.+)|sideEffects)$/.exec(matchedRule);
  const env = m?.[1] ? environmentOf(policy, m[1]) : null;
  if (!env || !m) return null;
  if (m[2] === undefined) return env.description ?? null;
  const entry: PolicyEntry | undefined = hasOwn(env.actions, m[2]) ? env.actions[m[2]] : undefined;
  return entry?.description ?? null;
}

/** Whether an approve in `environment` must state a reason (`approvalReason`, default required). */
export function approvalReasonRequired(policy: Policy, environment: string): boolean {
  return environmentOf(policy, environment)?.approvalReason !== 'optional';
}

/** One environment where break-glass is allowed, as the break-glass form offers it. */
export interface BreakGlassEnvironmentOption {
  id: string;
  posture: string;
  description: string | null;
  /** Groups whose members may declare break-glass here. */
  declarerGroups: string[];
  /** Groups a break-glass request here may name as answerable (declarers and approvers). */
  approverGroups: string[];
  maxDurationSec: number;
  requireExternalRef: boolean;
  /** Action kinds the policy names for this environment (the form suggests them). */
  kinds: string[];
}

function groupsOf(entry: PolicyEntry | null | undefined): readonly string[] {
  return entry?.approvers?.groups ?? [];
}

/** Every environment whose policy has a `breakGlass` section, with the choices it allows. */
export function breakGlassEnvironments(policy: Policy): BreakGlassEnvironmentOption[] {
  const out: BreakGlassEnvironmentOption[] = [];
  for (const id of Object.keys(policy.environments).sort()) {
    const env = environmentOf(policy, id);
    if (!env?.breakGlass) continue;
    const rules = policy.rules.filter(
      (r) => r.match.environments === null || r.match.environments.includes(id),
    );
    const approverGroups = new Set<string>([
      ...env.breakGlass.groups,
      ...(env.approvers?.groups ?? []),
      ...Object.values(env.actions).flatMap((e) => groupsOf(e)),
      ...rules.flatMap((r) => groupsOf(r)),
      ...policy.routing.flatMap((r) => r.approverGroups),
    ]);
    const kinds = new Set<string>([
      ...Object.keys(env.actions),
      ...rules.flatMap((r) => r.match.kind ?? []),
    ]);
    out.push({
      id,
      posture: env.posture,
      description: env.description ?? null,
      declarerGroups: [...env.breakGlass.groups],
      approverGroups: [...approverGroups].sort(),
      maxDurationSec: Math.floor(env.breakGlass.maxDurationMs / 1000),
      requireExternalRef: env.breakGlass.requireExternalRef,
      kinds: [...kinds].sort(),
    });
  }
  return out;
}
