/** Column values shared by both SQL adapters. */
import type { ApprovalRequest } from '../domain/approval.js';
import type { Scope } from '../domain/principal.js';
import { encodeCursor } from '../lib/cursor.js';
import type {
  ApiKeyRecord,
  Page,
  PipelineVersion,
  StoredCheckpoint,
  StoredCredential,
} from './port.js';

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

/** Rows as both SQL dialects return them (snake_case columns), and their mapping to the port. */
/** The api_keys columns an {@link ApiKeyRow} reads, named (a statement that stays prepared). */
export const API_KEY_COLUMNS =
  'id, name, secret_hash, scopes, groups_text, created_at, created_by, last_used_at, revoked_at';

export interface ApiKeyRow {
  id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  groups_text: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function apiKeyFromRow(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    scopes: JSON.parse(row.scopes) as Scope[],
    groups: JSON.parse(row.groups_text) as string[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export interface PipelineVersionRow {
  project: string;
  spec_hash: string;
  version: string;
  registered_at: string;
  registered_by: string;
}

export function pipelineVersionFromRow(
  row: PipelineVersionRow | undefined,
): PipelineVersion | null {
  return row
    ? {
        project: row.project,
        specHash: row.spec_hash,
        version: row.version,
        registeredAt: row.registered_at,
        registeredBy: row.registered_by,
      }
    : null;
}

export interface CredentialRow {
  approval_id: string;
  jti: string;
  kid: string;
  token: string;
  issued_at: string;
  expires_at: string;
}

export function credentialFromRow(row: CredentialRow | undefined): StoredCredential | null {
  return row
    ? {
        approvalId: row.approval_id,
        jti: row.jti,
        kid: row.kid,
        token: row.token,
        issuedAt: row.issued_at,
        expiresAt: row.expires_at,
      }
    : null;
}

export interface CosignatureRow {
  size: number;
  witness: string;
  line: string;
  created_at: string;
}

export const cosignatureFromRow = (r: CosignatureRow) => ({
  size: r.size,
  witness: r.witness,
  line: r.line,
  createdAt: r.created_at,
});

export interface CheckpointRow {
  size: number;
  root_hash: string;
  note: string;
  created_at: string;
}

export const checkpointFromRow = (r: CheckpointRow): StoredCheckpoint => ({
  size: r.size,
  rootHash: r.root_hash,
  note: r.note,
  createdAt: r.created_at,
});

/** The approvals columns an insert writes, in the order of {@link approvalInsertValues}. */
export const APPROVAL_INSERT_SQL_COLUMNS =
  'id, state, version, action_hash, environment, project, kind, requested_by, groups_text, search_text, break_glass, created_at, expires_at, decided_at, doc';

export function approvalInsertValues(req: ApprovalRequest): unknown[] {
  const c = approvalColumns(req);
  return [
    c.id,
    c.state,
    c.version,
    c.actionHash,
    c.environment,
    c.project,
    c.kind,
    c.requestedBy,
    c.groupsText,
    c.searchText,
    c.breakGlass ? 1 : 0,
    c.createdAt,
    c.expiresAt,
    c.decidedAt,
    c.doc,
  ];
}

/** One page of versions from `limit + 1` rows, with the cursor of its last row when more follow. */
export function versionPage(
  rows: readonly PipelineVersionRow[],
  limit: number,
): Page<PipelineVersion> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map((r) => pipelineVersionFromRow(r) as PipelineVersion),
    nextCursor:
      rows.length > limit && last ? encodeCursor([last.registered_at, last.spec_hash]) : null,
  };
}
