/**
 * Policy validation: the document as written → a frozen, defaults-expanded {@link Policy}.
 * Every problem is collected with its path, then one `InputError('validation_failed')` is thrown.
 */
import type { Quorum } from '../domain/decision.js';
import { InputError } from '../errors/index.js';
import { jcs, jcsHash } from '../lib/hash.js';
import { parseYamlText } from '../lib/yaml-document.js';
import {
  Issues,
  deepFreeze,
  isJsonValue,
  joinPath,
  own,
  readBoolean,
  readDuration,
  readEnum,
  readInt,
  readObject,
  readString,
  readStringList,
} from '../lib/fields.js';
import type { Obj } from '../lib/fields.js';
import {
  APPROVAL_REASONS,
  DEFAULT_BREAK_GLASS_MS,
  DEFAULT_CREDENTIAL_TTL_MS,
  DEFAULT_MAX_REQUEST_TTL_MS,
  DEFAULT_REQUEST_TTL_MS,
  ENTRY_OUTCOMES,
  POSTURES,
  REPLAY_MODES,
  SEVERITIES,
  SIDE_EFFECTS,
} from './policy-types.js';
import type {
  BreakGlassPolicy,
  EnvironmentPolicy,
  Policy,
  PolicyDefaults,
  PolicyEntry,
  PolicyRule,
  RuleMatch,
} from './policy-types.js';
import { readRoutingRules } from './routing.js';

export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const ID_MESSAGE = 'must start with a letter or digit and use only letters, digits, _ . : -';
export const ENV_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_ID_MESSAGE = 'must be 1-64 letters, digits, _ . - starting with a letter or digit';
const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const TAG_MESSAGE = 'must start with a letter or digit and use only letters, digits, _ . : / -';
export const TAG_RULES = { pattern: TAG_RE, patternMessage: TAG_MESSAGE, max: 128 };
export const GROUP_RULES = { max: 128 };
export const KIND_RULES = { pattern: ID_RE, patternMessage: ID_MESSAGE, max: 128 };

const TOP_KEYS = ['version', 'environments', 'rules', 'routing', 'defaults'];
const ENV_KEYS = [
  'posture',
  'sideEffects',
  'approvers',
  'replay',
  'crossEnvironmentReplay',
  'dryRunReplayRequiresApproval',
  'requireRegisteredVersion',
  'breakGlass',
  'actions',
  'description',
  'approvalReason',
];
const ENTRY_KEYS = [
  'outcome',
  'capabilities',
  'approvers',
  'credentialTtl',
  'singleUse',
  'riskTags',
  'constraints',
  'severity',
  'description',
];
const RULE_KEYS = ['id', 'match', ...ENTRY_KEYS];
const RULE_MATCH_KEYS = ['kind', 'targetGlob', 'riskTags', 'environments', 'repository'];
const QUORUM_KEYS = ['groups', 'min', 'mode'];
const BREAK_GLASS_KEYS = ['groups', 'maxDuration', 'requireExternalRef'];
const DEFAULTS_KEYS = ['requestTtl', 'maxRequestTtl', 'credentialTtl'];

/**
 * `{groups, min = 1, mode = any}`. With `mode: each` every group must approve, so a `min` below
 * the number of groups is raised to it. A `min` above what the groups can supply is accepted for
 * `any` (it simply needs that many distinct reviewers).
 */
export function readQuorum(value: unknown, path: string, issues: Issues): Quorum | undefined {
  const obj = readObject(value, path, issues, QUORUM_KEYS);
  if (!obj) return undefined;
  const groups = readStringList(obj, 'groups', path, issues, {
    ...GROUP_RULES,
    required: true,
    nonEmpty: true,
  });
  const min = readInt(obj, 'min', path, issues, { min: 1, max: 100 }) ?? 1;
  const mode = readEnum(obj, 'mode', path, issues, ['any', 'each'] as const) ?? 'any';
  if (!groups) return undefined;
  return { groups, min: mode === 'each' ? Math.max(min, groups.length) : min, mode };
}

function readConstraints(obj: Obj, path: string, issues: Issues): Record<string, unknown> {
  const p = joinPath(path, 'constraints');
  const value = readObject(own(obj, 'constraints'), p, issues, null);
  if (!value) return {};
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.length === 0 || key.length > 128) issues.add(joinPath(p, key), 'invalid key');
    else if (!isJsonValue(v)) issues.add(joinPath(p, key), 'must be a JSON value');
    else out[key] = v;
  }
  return out;
}

/** The fields shared by an environment `actions[kind]` entry and a `rules` entry. */
function readEntry(obj: Obj, path: string, issues: Issues): PolicyEntry {
  const description = readString(obj, 'description', path, issues, { max: 2000 }) ?? null;
  const approvers = own(obj, 'approvers');
  return {
    description,
    outcome: readEnum(obj, 'outcome', path, issues, ENTRY_OUTCOMES) ?? null,
    capabilities: readStringList(obj, 'capabilities', path, issues, TAG_RULES) ?? [],
    approvers:
      approvers === undefined
        ? null
        : (readQuorum(approvers, joinPath(path, 'approvers'), issues) ?? null),
    credentialTtlMs: readDuration(obj, 'credentialTtl', path, issues) ?? null,
    singleUse: readBoolean(obj, 'singleUse', path, issues) ?? null,
    riskTags: readStringList(obj, 'riskTags', path, issues, TAG_RULES) ?? [],
    constraints: readConstraints(obj, path, issues),
    severity: readEnum(obj, 'severity', path, issues, SEVERITIES) ?? null,
  };
}

function readBreakGlass(value: unknown, path: string, issues: Issues): BreakGlassPolicy | null {
  const obj = readObject(value, path, issues, BREAK_GLASS_KEYS);
  if (!obj) return null;
  const groups = readStringList(obj, 'groups', path, issues, {
    ...GROUP_RULES,
    required: true,
    nonEmpty: true,
  });
  return {
    groups: groups ?? [],
    maxDurationMs: readDuration(obj, 'maxDuration', path, issues) ?? DEFAULT_BREAK_GLASS_MS,
    requireExternalRef: readBoolean(obj, 'requireExternalRef', path, issues) ?? true,
  };
}

/** `true` (every kind), `false` (none) or a non-empty list of action kinds. */
function readRequireRegistered(obj: Obj, path: string, issues: Issues): 'all' | string[] {
  const value = own(obj, 'requireRegisteredVersion');
  if (value === undefined || value === false) return [];
  if (value === true) return 'all';
  if (!Array.isArray(value)) {
    issues.add(
      joinPath(path, 'requireRegisteredVersion'),
      'must be true, false or a list of action kinds',
    );
    return [];
  }
  return (
    readStringList(obj, 'requireRegisteredVersion', path, issues, {
      ...KIND_RULES,
      nonEmpty: true,
    }) ?? []
  );
}

function readEnvironment(
  id: string,
  value: unknown,
  path: string,
  issues: Issues,
): EnvironmentPolicy | undefined {
  const obj = readObject(value, path, issues, ENV_KEYS, true);
  if (!obj) return undefined;
  const description = readString(obj, 'description', path, issues, { max: 2000 }) ?? null;
  const approvalReason = readEnum(obj, 'approvalReason', path, issues, APPROVAL_REASONS);
  const posture = readEnum(obj, 'posture', path, issues, POSTURES, true);
  const sideEffects = readEnum(obj, 'sideEffects', path, issues, SIDE_EFFECTS, true);
  const approvers = own(obj, 'approvers');
  const breakGlass = own(obj, 'breakGlass');
  const actions: Record<string, PolicyEntry> = Object.create(null) as Record<string, PolicyEntry>;
  const actionsPath = joinPath(path, 'actions');
  const actionsObj = readObject(own(obj, 'actions'), actionsPath, issues, null);
  for (const [kind, entryValue] of Object.entries(actionsObj ?? {})) {
    const entryPath = joinPath(actionsPath, kind);
    if (!KIND_RULES.pattern.test(kind)) issues.add(entryPath, `action kind ${ID_MESSAGE}`);
    const entry = readObject(entryValue, entryPath, issues, ENTRY_KEYS, true);
    if (entry) actions[kind] = readEntry(entry, entryPath, issues);
  }
  return {
    id,
    posture: posture ?? 'prod',
    sideEffects: sideEffects ?? 'deny',
    approvers:
      approvers === undefined
        ? null
        : (readQuorum(approvers, joinPath(path, 'approvers'), issues) ?? null),
    replay: readEnum(obj, 'replay', path, issues, REPLAY_MODES) ?? 'allowed',
    crossEnvironmentReplay: readBoolean(obj, 'crossEnvironmentReplay', path, issues) ?? false,
    dryRunReplayRequiresApproval:
      readBoolean(obj, 'dryRunReplayRequiresApproval', path, issues) ?? false,
    requireRegisteredVersion: readRequireRegistered(obj, path, issues),
    breakGlass:
      breakGlass === undefined
        ? null
        : readBreakGlass(breakGlass, joinPath(path, 'breakGlass'), issues),
    actions,
    description,
    approvalReason: approvalReason ?? 'required',
  };
}

function readRuleMatch(
  value: unknown,
  path: string,
  issues: Issues,
  envIds: Set<string>,
): RuleMatch {
  const obj = readObject(value, path, issues, RULE_MATCH_KEYS, true) ?? {};
  const environments =
    readStringList(obj, 'environments', path, issues, { single: true, nonEmpty: true }) ?? null;
  environments?.forEach((env, i) => {
    if (!envIds.has(env))
      issues.add(joinPath(joinPath(path, 'environments'), i), 'unknown environment');
  });
  return {
    kind:
      readStringList(obj, 'kind', path, issues, { ...KIND_RULES, single: true, nonEmpty: true }) ??
      null,
    targetGlob: readString(obj, 'targetGlob', path, issues, { max: 1024 }) ?? null,
    riskTags: readStringList(obj, 'riskTags', path, issues, TAG_RULES) ?? [],
    environments,
    repository: readString(obj, 'repository', path, issues, { max: 256 }) ?? null,
  };
}

function readRules(value: unknown, issues: Issues, envIds: Set<string>): PolicyRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.add('rules', 'must be a list');
    return [];
  }
  const seen = new Set<string>();
  const rules: PolicyRule[] = [];
  value.forEach((item, i) => {
    const path = joinPath('rules', i);
    const obj = readObject(item, path, issues, RULE_KEYS, true);
    if (!obj) return;
    const id = readString(obj, 'id', path, issues, { ...KIND_RULES, required: true });
    if (id !== undefined && seen.has(id))
      issues.add(joinPath(path, 'id'), `duplicate rule id ${id}`);
    if (id !== undefined) seen.add(id);
    const match = readRuleMatch(own(obj, 'match'), joinPath(path, 'match'), issues, envIds);
    rules.push({ id: id ?? `rules[${i}]`, match, ...readEntry(obj, path, issues) });
  });
  return rules;
}

function readDefaults(value: unknown, issues: Issues): PolicyDefaults {
  const obj = readObject(value, 'defaults', issues, DEFAULTS_KEYS) ?? {};
  const requestTtlMs =
    readDuration(obj, 'requestTtl', 'defaults', issues) ?? DEFAULT_REQUEST_TTL_MS;
  const maxRequestTtlMs =
    readDuration(obj, 'maxRequestTtl', 'defaults', issues) ?? DEFAULT_MAX_REQUEST_TTL_MS;
  if (requestTtlMs > maxRequestTtlMs) {
    issues.add('defaults.requestTtl', 'must not be longer than defaults.maxRequestTtl');
  }
  return {
    requestTtlMs,
    maxRequestTtlMs,
    credentialTtlMs:
      readDuration(obj, 'credentialTtl', 'defaults', issues) ?? DEFAULT_CREDENTIAL_TTL_MS,
  };
}

function readEnvironments(value: unknown, issues: Issues): Record<string, EnvironmentPolicy> {
  const out = Object.create(null) as Record<string, EnvironmentPolicy>;
  const obj = readObject(value, 'environments', issues, null, true);
  if (!obj) return out;
  if (Object.keys(obj).length === 0)
    issues.add('environments', 'must define at least one environment');
  for (const [id, envValue] of Object.entries(obj)) {
    const path = joinPath('environments', id);
    if (!ENV_ID_RE.test(id)) issues.add(path, `environment id ${ENV_ID_MESSAGE}`);
    const env = readEnvironment(id, envValue, path, issues);
    if (env) out[id] = env;
  }
  return out;
}

/**
 * A plain JSON copy of the input in written key order; undefined when the input is not
 * representable as JSON (non-finite numbers, functions, BigInt, cycles).
 */
function toJsonDocument(input: unknown): unknown {
  try {
    JSON.parse(jcs(input)); // RFC 8785 refuses what JSON cannot represent
    return JSON.parse(JSON.stringify(input)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Parses and validates a policy (YAML/JSON text or an already-parsed object).
 * Throws `InputError('validation_failed', …, errors)` listing every problem with its path.
 */
export function parsePolicy(input: unknown, source = 'policy'): Policy {
  const parsed = typeof input === 'string' ? parseYamlText(input, source, 'policy') : input;
  const issues = new Issues();
  const document = toJsonDocument(parsed);
  if (document === undefined) issues.add('', 'must be a JSON document');
  const top = document === undefined ? undefined : readObject(document, '', issues, TOP_KEYS, true);
  if (!top) throw new InputError('validation_failed', `invalid policy in ${source}`, issues.list);
  const version = own(top, 'version');
  if (version === undefined) issues.add('version', 'is required');
  else if (version !== 1) issues.add('version', 'must be 1');
  const environments = readEnvironments(own(top, 'environments'), issues);
  const envIds = new Set(Object.keys(environments));
  const rules = readRules(own(top, 'rules'), issues, envIds);
  const routing = readRoutingRules(own(top, 'routing'), 'routing', issues);
  const defaults = readDefaults(own(top, 'defaults'), issues);
  if (!issues.ok) {
    throw new InputError('validation_failed', `invalid policy in ${source}`, issues.list);
  }
  return deepFreeze({
    version: 1,
    source,
    snapshot: jcsHash(document),
    document,
    environments,
    rules,
    routing,
    defaults,
  });
}

/** `sha256:` of JCS of the policy document as written: formatting, comments and key order never change it. */
export function policySnapshot(policy: Policy): string {
  return policy.snapshot;
}
