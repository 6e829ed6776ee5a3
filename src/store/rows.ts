/** Column values shared by both SQL adapters. */
import type { ApprovalRequest } from '../domain/approval.js';

/** Groups stored as `|a|b|` so a LIKE '%|a|%' finds exact members. */
export function groupsText(groups: readonly string[]): string {
  return `|${groups.join('|')}|`;
}

export function approvalColumns(req: ApprovalRequest) {
  const a = req.action;
  return {
    id: req.id,
    state: req.state,
    version: req.version,
    actionHash: req.actionHash,
    environment: a.environment,
    project: a.project,
    kind: a.kind,
    requestedBy: req.requestedBy.id,
    groupsText: groupsText(req.approverGroups),
    searchText: [req.id, a.kind, a.target ?? '', a.project, a.reason ?? '', req.requestedBy.name]
      .join(' ')
      .toLowerCase(),
    breakGlass: req.breakGlass !== null,
    createdAt: req.createdAt,
    expiresAt: req.expiresAt,
    decidedAt: req.decidedAt,
    doc: JSON.stringify(req),
  };
}
