/** What someone wants to do (docs/domain.md §1). */

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

/** The fields an approval is bound to; context fields are deliberately absent. */
export interface BoundActionFields {
  kind: string;
  mode: ActionMode;
  environment: string;
  project: string;
  specHash: string;
  configHash: string | null;
  target: string | null;
  capabilities: string[];
}

export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** The bound fields of an action, in the shape that `actionHash` hashes. */
export function boundFields(action: Action): BoundActionFields {
  return {
    kind: action.kind,
    mode: action.mode,
    environment: action.environment,
    project: action.project,
    specHash: action.specHash,
    configHash: action.configHash ?? null,
    target: action.target ?? null,
    capabilities: sortedUnique(action.capabilities),
  };
}
