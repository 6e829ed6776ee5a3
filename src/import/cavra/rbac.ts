/**
 * CAVRA repository RBAC files → `identity.rbac` (`groupMappings`, `repositoryPermissions`).
 * CAVRA actions `approved`/`denied` (aliases `approve`/`deny`) become `approve`/`deny`.
 */
import { CavraFileError, Notes, isPlainObject } from './notes.js';

export interface RbacConversion {
  rbac: {
    groupMappings: Record<string, string[]>;
    repositoryPermissions: {
      repository: string;
      approverGroup: string;
      groups: string[];
      actions: ('approve' | 'deny')[];
    }[];
  };
  notes: Notes;
}

const ACTIONS: Record<string, 'approve' | 'deny' | 'expire'> = {
  approved: 'approve',
  approve: 'approve',
  denied: 'deny',
  deny: 'deny',
  expired: 'expire',
  expire: 'expire',
};
const RULE_KEYS = ['repository', 'approver_group', 'groups', 'actions'];

function stringList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((g) => typeof g === 'string' && g !== ''))
    return undefined;
  return [...new Set(list as string[])];
}

function addMapping(mappings: Record<string, string[]>, from: string, to: string): void {
  const list = Object.hasOwn(mappings, from) ? (mappings[from] as string[]) : [];
  if (!list.includes(to)) list.push(to);
  mappings[from] = list;
}

function readMappings(value: unknown, notes: Notes): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>;
  if (value === undefined || value === null) return out;
  if (!isPlainObject(value)) {
    notes.unmapped('group_mappings', 'must be an object of external group → group');
    return out;
  }
  for (const [from, to] of Object.entries(value)) {
    const targets = stringList(to);
    if (targets === undefined) notes.unmapped(`group_mappings.${from}`, 'must name a group');
    else for (const t of targets) addMapping(out, from, t);
  }
  return out;
}

/** The verdicts a CAVRA rule grants, with a note for `expired` (an admin action here). */
function readActions(
  value: unknown,
  path: string,
  notes: Notes,
): ('approve' | 'deny')[] | undefined {
  const list = value === undefined || value === null ? ['approved', 'denied'] : stringList(value);
  if (list === undefined) {
    notes.unmapped(`${path}.actions`, 'must be a list of approved, denied or expired');
    return undefined;
  }
  const out: ('approve' | 'deny')[] = [];
  for (const a of list) {
    const mapped = ACTIONS[a];
    if (mapped === undefined) notes.unmapped(`${path}.actions`, `unknown action ${a}`);
    else if (mapped === 'expire') {
      notes.unmapped(
        `${path}.actions`,
        'expired: Countersign lets admins (scope admin) expire requests, not approver groups',
      );
    } else if (!out.includes(mapped)) out.push(mapped);
  }
  return out;
}

type Rule = RbacConversion['rbac']['repositoryPermissions'][number];

/** One CAVRA repository rule → a permission, a group mapping, or a note saying why neither. */
function convertRule(
  item: unknown,
  path: string,
  notes: Notes,
  mappings: Record<string, string[]>,
): Rule | null {
  if (!isPlainObject(item)) {
    notes.unmapped(path, 'must be an object');
    return null;
  }
  for (const key of Object.keys(item)) {
    if (!RULE_KEYS.includes(key)) notes.unmapped(`${path}.${key}`, 'not a CAVRA RBAC rule key');
  }
  const groups = stringList(item.groups);
  const actions = readActions(item.actions, path, notes);
  const repository =
    typeof item.repository === 'string' && item.repository !== '' ? item.repository : undefined;
  const group =
    typeof item.approver_group === 'string' && item.approver_group !== ''
      ? item.approver_group
      : undefined;
  if (groups === undefined || groups.length === 0) {
    notes.unmapped(`${path}.groups`, 'names no groups, so it granted nothing; left out');
    return null;
  }
  if (actions === undefined || actions.length === 0) return null;
  if (repository !== undefined && group !== undefined) {
    return { repository, approverGroup: group, groups, actions };
  }
  if (group !== undefined && actions.length === 2) {
    // every repository, both verdicts: exactly what holding the approver group means
    for (const g of groups) {
      addMapping(mappings, g, group);
      for (const [from, to] of Object.entries(mappings))
        if (to.includes(g)) addMapping(mappings, from, group);
    }
    notes.changed(
      path,
      `no repository: members of ${groups.join(', ')} now hold ${group} (groupMappings)`,
    );
    return null;
  }
  notes.unmapped(
    path,
    group !== undefined
      ? 'a single verdict in every repository cannot be expressed; a permission names one repository'
      : repository !== undefined
        ? 'a permission must name the approver group it delegates; CAVRA delegated every group in the repository'
        : 'it let these groups decide every approval everywhere; grant groups explicitly with groupMappings if that is intended',
  );
  return null;
}

/**
 * Converts a parsed CAVRA RBAC document (the `approval_rbac` wrapper is optional). Throws
 * {@link CavraFileError} when it is not an object.
 */
export function convertRbac(doc: unknown, file: string): RbacConversion {
  const notes = new Notes(file);
  const top = isPlainObject(doc) && Object.hasOwn(doc, 'approval_rbac') ? doc.approval_rbac : doc;
  if (!isPlainObject(top))
    throw new CavraFileError(file, 'approval RBAC file must contain an object');
  for (const key of Object.keys(top)) {
    if (!['group_mappings', 'repository_permissions', 'repositories'].includes(key)) {
      notes.unmapped(key, 'not a CAVRA RBAC key');
    }
  }
  const groupMappings = readMappings(top.group_mappings, notes);
  const rulesValue = top.repository_permissions ?? top.repositories ?? [];
  const repositoryPermissions: Rule[] = [];
  if (!Array.isArray(rulesValue)) notes.unmapped('repository_permissions', 'must be a list');
  else {
    rulesValue.forEach((item, i) => {
      const rule = convertRule(item, `repository_permissions[${i}]`, notes, groupMappings);
      if (rule) repositoryPermissions.push(rule);
    });
  }
  notes.changed(
    '(break-glass)',
    'CAVRA lets only Change Advisory Board members declare break-glass; Countersign names those groups per environment (policy breakGlass.groups)',
  );
  return { rbac: { groupMappings: { ...groupMappings }, repositoryPermissions }, notes };
}
