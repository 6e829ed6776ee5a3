/** Lookups the services need besides `evaluate`. */
import { hasOwn } from '../lib/fields.js';
import type { EnvironmentPolicy, Policy } from './policy-types.js';

/** The environment's policy, or null when the policy does not define it. */
export function environmentOf(policy: Policy, id: string): EnvironmentPolicy | null {
  return hasOwn(policy.environments, id) ? (policy.environments[id] ?? null) : null;
}

/**
 * Break-glass rules for an environment, or null when its policy has no `breakGlass` section
 * (break-glass is then not allowed there). Defaults: `maxDuration` 4h, `requireExternalRef` true.
 */
export function breakGlassRules(
  policy: Policy,
  environment: string,
): { groups: string[]; maxDurationMs: number; requireExternalRef: boolean } | null {
  const bg = environmentOf(policy, environment)?.breakGlass;
  if (!bg) return null;
  return {
    groups: [...bg.groups],
    maxDurationMs: bg.maxDurationMs,
    requireExternalRef: bg.requireExternalRef,
  };
}

/** Default lifetime of a pending approval request (`defaults.requestTtl`, default 24h). */
export function requestTtlMs(policy: Policy): number {
  return policy.defaults.requestTtlMs;
}

/** Longest lifetime a request may ask for (`defaults.maxRequestTtl`, default 720h). */
export function maxRequestTtlMs(policy: Policy): number {
  return policy.defaults.maxRequestTtlMs;
}

/** Whether an execute replay into `environment` may use an artifact from another environment. */
export function allowsCrossEnvironmentReplay(policy: Policy, environment: string): boolean {
  return environmentOf(policy, environment)?.crossEnvironmentReplay ?? false;
}

/**
 * Whether an execute action of `kind` in `environment` may run only when its spec hash is a
 * registered pipeline version of its project (`requireRegisteredVersion`).
 */
export function requiresRegisteredVersion(
  policy: Policy,
  environment: string,
  kind: string,
): boolean {
  const rule = environmentOf(policy, environment)?.requireRegisteredVersion;
  if (rule === undefined) return false;
  return rule === 'all' || rule.includes(kind);
}
