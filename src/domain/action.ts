/** What someone wants to do (docs/domain.md §1). */
import type { Quorum } from './decision.js';

export type ActionMode = 'execute' | 'dry-run';

/**
 * A normalised action: `specHash` is always present (computed from `spec` when that was sent),
 * list fields are present (possibly empty) and capabilities/riskTags are sorted and unique.
 */
export interface Action {
  kind: string;
  mode: ActionMode;
  environment: string;
  project: string;
  specHash: string;
  spec?: unknown;
  configHash?: string;
  pipelineVersion?: string;
  sourceEnvironment?: string;
  target?: string;
  capabilities: string[];
  riskTags: string[];
  constraints: Record<string, unknown>;
  workflow?: string;
  runId?: string;
  stepId?: string;
  repository?: string;
  reason?: string;
}

/**
 * What the policy decided about an action that an approval is bound to: the facts that decided
 * who may approve and what the executor must honour (risk tags and constraints after the policy's
 * overlays, the capabilities it requires, the matched rule and the quorum).
 */
export interface DecisionBinding {
  requiredCapabilities: readonly string[];
  riskTags: readonly string[];
  constraints: Record<string, unknown>;
  matchedRule: string | null;
  quorum: Quorum | null;
}

/**
 * The fields an approval is bound to, in the shape `actionHash` hashes (RFC 8785 sorts the
 * members; an absent optional field is `null`, never omitted). Context fields (reason, runId,
 * workflow, stepId, notes) are deliberately absent: editing them never invalidates an approval.
 */
export interface BoundActionFields {
  kind: string;
  mode: ActionMode;
  environment: string;
  project: string;
  specHash: string;
  configHash: string | null;
  target: string | null;
  repository: string | null;
  sourceEnvironment: string | null;
  pipelineVersion: string | null;
  /** Sorted union of the declared and the policy-required capabilities. */
  capabilities: string[];
  /** Sorted risk tags after the policy's overlays. */
  riskTags: string[];
  /** Constraints after the policy's overlays. */
  constraints: Record<string, unknown>;
  /** The matched policy rule (`decision.matchedRule`). */
  rule: string | null;
  /** The quorum that decides who may approve, groups sorted; null when none is needed. */
  quorum: Quorum | null;
}

export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** A quorum with its groups sorted and unique: the bound form. */
export function boundQuorum(quorum: Quorum | null): Quorum | null {
  return quorum === null
    ? null
    : { min: quorum.min, mode: quorum.mode, groups: sortedUnique(quorum.groups) };
}

/** The bound fields of an action under the decision made about it (what `actionHash` hashes). */
export function boundFields(action: Action, decision: DecisionBinding): BoundActionFields {
  return {
    kind: action.kind,
    mode: action.mode,
    environment: action.environment,
    project: action.project,
    specHash: action.specHash,
    configHash: action.configHash ?? null,
    target: action.target ?? null,
    repository: action.repository ?? null,
    sourceEnvironment: action.sourceEnvironment ?? null,
    pipelineVersion: action.pipelineVersion ?? null,
    capabilities: sortedUnique([...action.capabilities, ...decision.requiredCapabilities]),
    riskTags: sortedUnique(decision.riskTags),
    constraints: { ...decision.constraints },
    rule: decision.matchedRule,
    quorum: boundQuorum(decision.quorum),
  };
}
