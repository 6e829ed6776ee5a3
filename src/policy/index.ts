/** Policy: load + validate documents, snapshot hash, evaluate(action) → decision, routing. */
export { parsePolicy, policySnapshot } from './policy-schema.js';
export { normalizeAction, actionHash } from './action.js';
export { evaluate, decisionDiffers } from './evaluate.js';
export type { EvaluateOptions } from './evaluate.js';
export { parseRoutingFile, applyRoute, approvalReason } from './routing.js';
export {
  environmentOf,
  breakGlassRules,
  requestTtlMs,
  maxRequestTtlMs,
  allowsCrossEnvironmentReplay,
  requiresRegisteredVersion,
} from './environment.js';
export {
  describeMatchedRule,
  approvalReasonRequired,
  breakGlassEnvironments,
  type BreakGlassEnvironmentOption,
} from './describe.js';
export type {
  Policy,
  EnvironmentPolicy,
  PolicyEntry,
  PolicyRule,
  RuleMatch,
  RoutingRule,
  RoutingMatch,
  BreakGlassPolicy,
  PolicyDefaults,
  SideEffects,
  ReplayMode,
  EntryOutcome,
  Severity,
} from './policy-types.js';
