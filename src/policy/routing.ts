/**
 * Routing: ordered rules, first match wins, that replace a decision's approver groups. The
 * policy's `routing` section is the default; a repository's `.countersign/routing.yaml` replaces
 * it for actions from that repository.
 */
import type { DecisionDraft, Quorum } from '../domain/decision.js';
import { InputError } from '../errors/index.js';
import { parseYamlText } from '../lib/yaml-document.js';
import { Issues, joinPath, own, readObject, readString, readStringList } from '../lib/fields.js';
import { globMatches, matchableTarget } from './glob.js';
import { SEVERITIES } from './policy-types.js';
import type { RoutingMatch, RoutingRule, Severity } from './policy-types.js';

const ROUTING_KEYS = ['id', 'description', 'match', 'approverGroup', 'approverGroups'];
const ROUTING_MATCH_KEYS = [
  'kind',
  'ruleId',
  'ruleIdPrefix',
  'targetGlob',
  'targetContains',
  'riskTags',
  'severity',
  'repository',
];

function readSeverities(
  obj: Record<string, unknown>,
  path: string,
  issues: Issues,
): Severity[] | null {
  const list = readStringList(obj, 'severity', path, issues, { single: true, nonEmpty: true });
  if (!list) return null;
  let ok = true;
  list.forEach((s, i) => {
    if (!(SEVERITIES as readonly string[]).includes(s)) {
      issues.add(
        joinPath(joinPath(path, 'severity'), i),
        `must be one of ${SEVERITIES.join(', ')}`,
      );
      ok = false;
    }
  });
  return ok ? (list as Severity[]) : null;
}

function readRoutingMatch(value: unknown, path: string, issues: Issues): RoutingMatch {
  const obj = readObject(value, path, issues, ROUTING_MATCH_KEYS, true) ?? {};
  return {
    kind:
      readStringList(obj, 'kind', path, issues, { single: true, nonEmpty: true, max: 128 }) ?? null,
    ruleId: readString(obj, 'ruleId', path, issues, { max: 256 }) ?? null,
    ruleIdPrefix: readString(obj, 'ruleIdPrefix', path, issues, { max: 256 }) ?? null,
    targetGlob: readString(obj, 'targetGlob', path, issues, { max: 1024 }) ?? null,
    targetContains: readString(obj, 'targetContains', path, issues, { max: 1024 }) ?? null,
    riskTags: readStringList(obj, 'riskTags', path, issues, { max: 128 }) ?? [],
    severity: readSeverities(obj, path, issues),
    repository: readString(obj, 'repository', path, issues, { max: 256 }) ?? null,
  };
}

/** Validates a list of routing rules found at `path`, recording problems in `issues`. */
export function readRoutingRules(value: unknown, path: string, issues: Issues): RoutingRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.add(path, 'must be a list');
    return [];
  }
  const rules: RoutingRule[] = [];
  value.forEach((item, i) => {
    const p = joinPath(path, i);
    const obj = readObject(item, p, issues, ROUTING_KEYS, true);
    if (!obj) return;
    const id = readString(obj, 'id', p, issues, { max: 128 });
    readString(obj, 'description', p, issues, { max: 2000 });
    const match = readRoutingMatch(own(obj, 'match'), joinPath(p, 'match'), issues);
    const one = readString(obj, 'approverGroup', p, issues, { max: 128 });
    const many = readStringList(obj, 'approverGroups', p, issues, { max: 128, nonEmpty: true });
    if (own(obj, 'approverGroup') !== undefined && own(obj, 'approverGroups') !== undefined) {
      issues.add(p, 'use approverGroup or approverGroups, not both');
    } else if (
      own(obj, 'approverGroup') === undefined &&
      own(obj, 'approverGroups') === undefined
    ) {
      issues.add(joinPath(p, 'approverGroup'), 'is required');
    }
    rules.push({ id: id ?? p, match, approverGroups: many ?? (one === undefined ? [] : [one]) });
  });
  return rules;
}

/**
 * Parses a repository routing file (`.countersign/routing.yaml`): a document whose only keys
 * are `routing` (the rules) and an optional `version: 1`.
 */
export function parseRoutingFile(text: string, source = 'routing file'): RoutingRule[] {
  const doc = parseYamlText(text, source, 'routing file');
  const issues = new Issues();
  const top = readObject(doc, '', issues, ['version', 'routing'], true) ?? {};
  const version = own(top, 'version');
  if (version !== undefined && version !== 1) issues.add('version', 'must be 1');
  if (own(top, 'routing') === undefined) issues.add('routing', 'is required');
  const rules = readRoutingRules(own(top, 'routing'), 'routing', issues);
  if (!issues.ok) {
    throw new InputError('validation_failed', `invalid routing file in ${source}`, issues.list);
  }
  return rules.map((r) => Object.freeze({ ...r, id: `repository:${r.id}` }));
}

/** What a routing rule is matched against. */
export interface RoutingSubject {
  kind: string;
  /** The matched rule id (`filesystem.write.iam`) or path (`environments.prod.actions.deploy`). */
  ruleId: string | null;
  target: string | undefined;
  riskTags: readonly string[];
  severity: Severity | null;
  repository: string | undefined;
}

/** A decision's rule id for routing: `rules.<id>` → `<id>`; other paths are used as written. */
export function ruleIdOf(matchedRule: string | null): string | null {
  if (matchedRule === null) return null;
  return matchedRule.startsWith('rules.') ? matchedRule.slice('rules.'.length) : matchedRule;
}

export function routingMatches(match: RoutingMatch, s: RoutingSubject): boolean {
  if (match.kind && !match.kind.includes(s.kind)) return false;
  if (match.ruleId !== null && s.ruleId !== match.ruleId) return false;
  if (match.ruleIdPrefix !== null && !(s.ruleId ?? '').startsWith(match.ruleIdPrefix)) return false;
  if (
    match.targetGlob !== null &&
    (s.target === undefined || !globMatches(match.targetGlob, s.target))
  ) {
    return false;
  }
  if (
    match.targetContains !== null &&
    (s.target === undefined || !matchableTarget(s.target).includes(match.targetContains))
  ) {
    return false;
  }
  if (!match.riskTags.every((t) => s.riskTags.includes(t))) return false;
  if (match.severity && (s.severity === null || !match.severity.includes(s.severity))) return false;
  if (match.repository !== null && s.repository !== match.repository) return false;
  return true;
}

/** The first routing rule that matches, or null. */
export function findRoute(rules: readonly RoutingRule[], s: RoutingSubject): RoutingRule | null {
  return rules.find((r) => routingMatches(r.match, s)) ?? null;
}

/** A quorum routed to `route`: its groups replaced; `min` kept, raised for `each` to cover them. */
export function routeQuorum(quorum: Quorum, route: RoutingRule): Quorum {
  const groups = [...route.approverGroups];
  const min = quorum.mode === 'each' ? Math.max(quorum.min, groups.length) : quorum.min;
  return { min, groups, mode: quorum.mode };
}

/**
 * The reason of a `require_approval` decision, from the quorum it ends with: unrouted
 * "<rule> requires 1 approval from release-managers"; routed
 * "<rule> requires 1 approval, routed by <route id> to Platform Security". Only the groups that
 * review are named, so the reason never disagrees with the decision's `approverGroups`.
 */
export function approvalReason(
  matchedRule: string,
  quorum: Quorum,
  routedBy: string | null,
): string {
  const groups = quorum.groups.join(', ');
  const count = `${quorum.min} approval${quorum.min === 1 ? '' : 's'}`;
  if (routedBy === null) {
    return quorum.mode === 'each'
      ? `${matchedRule} requires ${count} with at least one from each of ${groups}`
      : `${matchedRule} requires ${count} from ${groups}`;
  }
  return quorum.mode === 'each'
    ? `${matchedRule} requires ${count} with at least one from each group, routed by ${routedBy} to ${groups}`
    : `${matchedRule} requires ${count}, routed by ${routedBy} to ${groups}`;
}

type Routable = Pick<
  DecisionDraft,
  'outcome' | 'matchedRule' | 'reason' | 'approverGroups' | 'quorum' | 'routedBy'
>;

/**
 * A decision routed to `route`: approver groups, quorum, `routedBy` and `reason` change together.
 * For callers that route a decision after evaluation (a repository routing file applied to an
 * already evaluated action); anything but a `require_approval` decision is returned unchanged.
 */
export function applyRoute<D extends Routable>(decision: D, route: RoutingRule | null): D {
  if (route === null || decision.outcome !== 'require_approval' || decision.quorum === null) {
    return decision;
  }
  const quorum = routeQuorum(decision.quorum, route);
  return {
    ...decision,
    approverGroups: [...quorum.groups],
    quorum,
    routedBy: route.id,
    reason: approvalReason(decision.matchedRule ?? 'the policy', quorum, route.id),
  };
}
