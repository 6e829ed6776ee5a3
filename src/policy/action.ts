/**
 * The semantic normaliser for actions (docs/domain.md §1) and the action hash. The HTTP layer checks
 * shape with JSON Schema first; this must still be safe on arbitrary input (CLI files, tests).
 */
import { boundFields, sortedUnique } from '../domain/action.js';
import type { Action, ActionMode, DecisionBinding } from '../domain/action.js';
import { InputError } from '../errors/index.js';
import { isSha256Ref, jcsHash } from '../lib/hash.js';
import {
  Issues,
  isJsonValue,
  own,
  readEnum,
  readObject,
  readString,
  readStringList,
} from '../lib/fields.js';
import type { Obj } from '../lib/fields.js';
import { KIND_RULES, TAG_RULES } from './policy-schema.js';

const ACTION_KEYS = [
  'kind',
  'mode',
  'environment',
  'project',
  'spec',
  'specHash',
  'configHash',
  'pipelineVersion',
  'sourceEnvironment',
  'target',
  'capabilities',
  'riskTags',
  'constraints',
  'workflow',
  'runId',
  'stepId',
  'repository',
  'reason',
] as const;

const OPTIONAL_TEXT: ReadonlyArray<[keyof Action & string, number]> = [
  ['pipelineVersion', 256],
  ['sourceEnvironment', 64],
  ['target', 2048],
  ['workflow', 256],
  ['runId', 256],
  ['stepId', 256],
  ['repository', 256],
  ['reason', 4000],
];

const HASH_MESSAGE = 'must be sha256: followed by 64 lowercase hex digits';

function readHash(obj: Obj, key: string, issues: Issues): string | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !isSha256Ref(value)) {
    issues.add(key, HASH_MESSAGE);
    return undefined;
  }
  return value;
}

/** `jcsHash(spec)`, or undefined when the spec is not plain JSON (or is too deep). */
function specHashOf(spec: unknown): string | undefined {
  if (!isJsonValue(spec)) return undefined;
  try {
    return jcsHash(spec);
  } catch {
    return undefined;
  }
}

function readSpec(obj: Obj, issues: Issues): { spec?: unknown; specHash?: string } {
  const hasSpec = own(obj, 'spec') !== undefined;
  const declared = readHash(obj, 'specHash', issues);
  if (!hasSpec) {
    if (own(obj, 'specHash') === undefined) issues.add('specHash', 'spec or specHash is required');
    return declared === undefined ? {} : { specHash: declared };
  }
  const spec = own(obj, 'spec');
  const computed = specHashOf(spec);
  if (computed === undefined) {
    issues.add('spec', 'must be a JSON value');
    return {};
  }
  if (declared !== undefined && declared !== computed) {
    issues.add('specHash', 'does not match the hash of spec');
  }
  return { spec, specHash: computed };
}

/**
 * Validates and normalises an action from the API or CLI: `specHash` computed from `spec`
 * (RFC 8785), `mode` defaulted to `execute`, capabilities and risk tags sorted and unique,
 * `constraints` defaulted to `{}`. Unknown fields (including `requestedBy`) are refused.
 * Throws `InputError('validation_failed')` listing every problem with its path.
 */
export function normalizeAction(input: unknown): Action {
  const issues = new Issues();
  const obj = readObject(input, '', issues, ACTION_KEYS, true);
  if (!obj) throw new InputError('validation_failed', 'invalid action', issues.list);
  const kind = readString(obj, 'kind', '', issues, { ...KIND_RULES, required: true });
  const mode: ActionMode =
    readEnum(obj, 'mode', '', issues, ['execute', 'dry-run'] as const) ?? 'execute';
  const environment = readString(obj, 'environment', '', issues, { required: true, max: 64 });
  const project = readString(obj, 'project', '', issues, { required: true, max: 256 });
  const { spec, specHash } = readSpec(obj, issues);
  const configHash = readHash(obj, 'configHash', issues);
  const capabilities = readStringList(obj, 'capabilities', '', issues, TAG_RULES) ?? [];
  const riskTags = readStringList(obj, 'riskTags', '', issues, TAG_RULES) ?? [];
  const constraints = readObject(own(obj, 'constraints'), 'constraints', issues, null) ?? {};
  if (!isJsonValue(constraints)) issues.add('constraints', 'must be a JSON object');
  const text: Partial<Record<string, string>> = {};
  for (const [key, max] of OPTIONAL_TEXT) {
    const value = readString(obj, key, '', issues, { max });
    if (value !== undefined) text[key] = value;
  }
  if (!issues.ok || kind === undefined || environment === undefined || project === undefined) {
    throw new InputError('validation_failed', 'invalid action', issues.list);
  }
  const action: Action = {
    kind,
    mode,
    environment,
    project,
    specHash: specHash as string,
    capabilities: sortedUnique(capabilities),
    riskTags: sortedUnique(riskTags),
    constraints: { ...constraints },
  };
  if (spec !== undefined) action.spec = spec;
  if (configHash !== undefined) action.configHash = configHash;
  return Object.assign(action, text);
}

/**
 * `sha256:` of JCS of the bound fields (docs/credential-format.md, "The action hash"): the action's
 * kind, mode, environment, project, specHash, configHash, target, repository, sourceEnvironment
 * and pipelineVersion, with what the policy decided about it (capabilities = the sorted union of
 * the declared and the required ones, risk tags and constraints after overlays, the matched rule
 * and the quorum). Context fields (reason, runId, workflow, …) never change it.
 */
export function actionHash(action: Action, decision: DecisionBinding): string {
  return jcsHash(boundFields(action, decision));
}
