/**
 * CAVRA approval routing files → the policy's `routing` section. CAVRA: first match wins; keys
 * `rule_id`, `action_type`, `severity`, `policy_pack` (equal), `rule_id_prefix` (prefix) and
 * `target_contains` (substring); absent or falsy keys are ignored; a file replaces the defaults.
 */
import { SEVERITIES } from '../../policy/policy-types.js';
import { CavraFileError, Notes, isPlainObject, truthy } from './notes.js';

/** A routing rule as written in policy.yaml. */
export interface RoutingRuleDoc {
  id: string;
  description?: string;
  match: Record<string, unknown>;
  approverGroup: string;
}

/** CAVRA's built-in rules, used when no routing file is configured. */
export const CAVRA_DEFAULT_ROUTING: readonly Record<string, string>[] = [
  { rule_id_prefix: 'filesystem.write', target_contains: 'iam/', approver_group: 'IAM' },
  {
    rule_id_prefix: 'filesystem.write',
    target_contains: '.github/workflows',
    approver_group: 'Platform Security',
  },
  { rule_id_prefix: 'commands.default', severity: 'medium', approver_group: 'Repository Owners' },
  {
    rule_id_prefix: 'commands.block',
    target_contains: 'terraform',
    approver_group: 'Cloud Security',
  },
  { rule_id_prefix: 'mcp.', approver_group: 'AI Governance' },
];

/** CAVRA key → Countersign `match` key. */
const KEYS: Record<string, string> = {
  rule_id: 'ruleId',
  rule_id_prefix: 'ruleIdPrefix',
  action_type: 'kind',
  severity: 'severity',
  target_contains: 'targetContains',
};

/** The rule list of a routing document, as CAVRA finds it (or CAVRA's own error). */
export function routingRulesOf(doc: unknown, file: string): unknown[] {
  let rules: unknown = doc;
  if (isPlainObject(doc)) {
    if (Object.hasOwn(doc, 'approval_routing')) rules = doc.approval_routing;
    else if (Object.hasOwn(doc, 'routing_rules')) rules = doc.routing_rules;
  }
  if (!Array.isArray(rules)) {
    throw new CavraFileError(file, 'approval routing file must contain a list of rules');
  }
  for (const rule of rules) {
    if (!isPlainObject(rule) || !truthy(rule, 'approver_group')) {
      throw new CavraFileError(file, 'each approval routing rule must include approver_group');
    }
  }
  return rules;
}

/** One CAVRA rule → a Countersign routing rule, or null (with a note) when it cannot be expressed. */
function convertRule(
  rule: Record<string, unknown>,
  index: number,
  path: string,
  notes: Notes,
): RoutingRuleDoc | null {
  const group = rule.approver_group;
  if (typeof group !== 'string') {
    notes.unmapped(`${path}.approver_group`, 'is not a string; the rule was left out');
    return null;
  }
  const match: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'approver_group' || !value) continue; // CAVRA ignores falsy keys
    if (key === 'policy_pack') {
      notes.unmapped(
        `${path}.policy_pack`,
        'Countersign has one policy, so a rule limited to one policy pack cannot be expressed; ' +
          'the rule was left out rather than widened to every decision',
      );
      return null;
    }
    const target = KEYS[key];
    if (target === undefined) {
      notes.unmapped(`${path}.${key}`, 'not a CAVRA routing key (CAVRA ignores it too)');
      continue;
    }
    if (typeof value !== 'string') {
      notes.unmapped(
        `${path}.${key}`,
        'is not a string, so it never matched; the rule was left out',
      );
      return null;
    }
    if (key === 'severity' && !(SEVERITIES as readonly string[]).includes(value)) {
      notes.unmapped(
        `${path}.severity`,
        `no decision has severity ${value}; the rule was left out`,
      );
      return null;
    }
    match[target] = value;
  }
  const prefix = String(match.ruleIdPrefix ?? match.ruleId ?? '');
  if (prefix.startsWith('commands.block')) {
    notes.changed(
      path,
      'routes a blocked command: Countersign denies blocked actions outright and never opens ' +
        'an approval for them, so this route only applies if a rule with this id requires approval',
    );
  }
  return { id: `cavra.routing.${index + 1}`, match, approverGroup: group };
}

/**
 * Converts a parsed CAVRA routing document (or {@link CAVRA_DEFAULT_ROUTING}). Throws
 * {@link CavraFileError} with CAVRA's own message when CAVRA would refuse the file.
 */
export function convertRouting(
  doc: unknown,
  file: string,
): { routing: RoutingRuleDoc[]; notes: Notes } {
  const notes = new Notes(file);
  const rules = routingRulesOf(doc, file);
  const routing: RoutingRuleDoc[] = [];
  rules.forEach((rule, i) => {
    const converted = convertRule(rule as Record<string, unknown>, i, `rules[${i}]`, notes);
    if (converted) routing.push(converted);
  });
  if (rules.length === 0) {
    notes.changed(
      'rules',
      "an empty list disables routing: decisions keep their rule's approver groups, as in CAVRA",
    );
  }
  return { routing, notes };
}
