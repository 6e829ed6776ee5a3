/**
 * Checks on the action itself that no credential can satisfy, shared by the gate, request
 * creation and eligible-approval selection: the pipeline-version registry (an execute replay
 * must name a registered spec hash; `requireRegisteredVersion` extends that to other kinds; a
 * claimed `pipelineVersion` must be the registered one) and the replay source environment.
 */
import type { Action } from '../domain/action.js';
import type { PolicyErrorCode } from '../errors/index.js';
import type { StoreReader } from '../store/port.js';
import type { ServiceDeps } from './ports.js';

export interface ActionRejection {
  code: PolicyErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ActionCheckDeps = Pick<ServiceDeps, 'policy'> & {
  store: Pick<StoreReader, 'findPipelineVersion'>;
};

/** Whether this action's spec hash must be a registered pipeline version of its project. */
export function needsRegisteredVersion(deps: ActionCheckDeps, action: Action): boolean {
  if (action.mode !== 'execute') return false;
  return (
    action.kind === 'replay' ||
    deps.policy.requiresRegisteredVersion(action.environment, action.kind)
  );
}

/** The registry check: unresolved / not registered / claimed version differs; null when fine. */
export async function registryRejection(
  deps: ActionCheckDeps,
  action: Action,
): Promise<ActionRejection | null> {
  if (!needsRegisteredVersion(deps, action)) return null;
  const where = { specHash: action.specHash, project: action.project };
  const version = await deps.store.findPipelineVersion(action.project, action.specHash);
  if (!version) {
    return action.kind === 'replay'
      ? {
          code: 'pipeline_version_unresolved',
          message: `spec hash ${action.specHash} is not a known pipeline version of project ${action.project}`,
          details: where,
        }
      : {
          code: 'spec_hash_not_registered',
          message: `environment ${action.environment} runs only registered pipeline versions; spec hash ${action.specHash} is not one of project ${action.project}`,
          details: { ...where, environment: action.environment },
        };
  }
  if (action.pipelineVersion !== undefined && action.pipelineVersion !== version.version) {
    return {
      code: 'pipeline_version_mismatch',
      message: `spec hash ${action.specHash} is registered as version ${version.version}, not ${action.pipelineVersion}`,
      details: { ...where, claimed: action.pipelineVersion, registered: version.version },
    };
  }
  return null;
}

/** An execute replay from another environment needs `crossEnvironmentReplay`. */
export function sourceRejection(deps: ActionCheckDeps, action: Action): ActionRejection | null {
  if (action.kind !== 'replay' || action.mode !== 'execute') return null;
  const source = action.sourceEnvironment;
  if (source === action.environment || deps.policy.allowsCrossEnvironmentReplay(action.environment))
    return null;
  return {
    code: 'source_environment_mismatch',
    message:
      source === undefined
        ? 'an execute replay must name its sourceEnvironment'
        : `replay from ${source} into ${action.environment} is not allowed`,
    details: { sourceEnvironment: source ?? null, environment: action.environment },
  };
}

/** Registry, then source environment: the order the gate reports them in. */
export async function actionRejection(
  deps: ActionCheckDeps,
  action: Action,
): Promise<ActionRejection | null> {
  return (await registryRejection(deps, action)) ?? sourceRejection(deps, action);
}
