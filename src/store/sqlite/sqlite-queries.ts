/** The SQL behind the SQLite adapter, bound to one connection (writer or reader). */
import type Database from 'better-sqlite3';
import type { GithubDeploymentLink } from '../github-deployment-types.js';
import { insertSqliteGithubDeployment, listSqliteGithubDeployments } from './sqlite-github.js';
import type { ApprovalRequest } from '../../domain/approval.js';
import type { AuditEvent } from '../../domain/audit-event.js';
import type { Decision } from '../../domain/decision.js';
import type { Action } from '../../domain/action.js';
import { decodeApprovalCursor, decodeAuditCursor, encodeCursor } from '../../lib/cursor.js';
import { sequenceAuditEvent, type AuditSequenceIo } from '../audit-append.js';
import type {
  ApiKeyRecord,
  AuditRow,
  StoredCheckpoint,
  StoredCosignature,
  ApprovalFilter,
  AuditFilter,
  Page,
  PageRequest,
  PipelineVersion,
  PreviousApprovalQuery,
  StoredAuditEvent,
  StoredDecision,
  StoredCredential,
  StoreTx,
} from '../port.js';
import {
  apiKeyFromRow,
  APPROVAL_INSERT_SQL_COLUMNS,
  approvalColumns,
  approvalInsertValues,
  credentialFromRow,
  groupsText,
  pipelineVersionFromRow,
  versionPage,
  type ApiKeyRow,
  type CredentialRow,
  type PipelineVersionRow,
} from '../rows.js';
import { sqliteAuditReads } from './sqlite-audit-reads.js';
import type { DeliveryAttemptUpdate, NewDelivery } from '../outbox-types.js';
import { enqueueSqliteDeliveries, recordSqliteDeliveryAttempt } from './sqlite-outbox.js';
import type { NotificationRecord } from '../record-types.js';
import {
  listSqliteRecords,
  rememberSqliteSignature,
  saveSqliteRecord,
  touchSqliteRecord,
} from './sqlite-records.js';

export class SqlDialectQueries implements StoreTx {
  constructor(private readonly db: Database.Database) {}

  /** Prepared statements are compiled once per connection and reused. */
  private readonly statements = new Map<string, Database.Statement>();
  private prep(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size < 500) this.statements.set(sql, stmt);
    }
    return stmt;
  }

  async insertGithubDeployment(link: GithubDeploymentLink): Promise<boolean> {
    return insertSqliteGithubDeployment(this.db, link);
  }

  async listGithubDeployments(approvalId: string): Promise<GithubDeploymentLink[]> {
    return listSqliteGithubDeployments(this.db, approvalId);
  }

  async enqueueDeliveries(rows: readonly NewDelivery[]): Promise<number> {
    return enqueueSqliteDeliveries(this.db, rows);
  }

  async recordDeliveryAttempt(update: DeliveryAttemptUpdate): Promise<boolean> {
    return recordSqliteDeliveryAttempt(this.db, update);
  }

  async listNotificationRecords(approvalId: string): Promise<NotificationRecord[]> {
    return listSqliteRecords(this.db, approvalId);
  }

  async saveNotificationRecord(record: NotificationRecord): Promise<boolean> {
    return saveSqliteRecord(this.db, record);
  }

  async touchNotificationRecord(approvalId: string, provider: string, at: string): Promise<void> {
    touchSqliteRecord(this.db, approvalId, provider, at);
  }

  async rememberSignature(signature: string, at: string, forgetBefore: string): Promise<boolean> {
    return rememberSqliteSignature(this.db, signature, at, forgetBefore);
  }

  async getApproval(id: string): Promise<ApprovalRequest | null> {
    const row = this.prep('SELECT doc FROM approvals WHERE id = ?').get(id) as
      { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as ApprovalRequest) : null;
  }

  async listApprovals(filter: ApprovalFilter, page: PageRequest): Promise<Page<ApprovalRequest>> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    if (filter.environment) {
      where.push('environment = ?');
      args.push(filter.environment);
    }
    if (filter.project) {
      where.push('project = ?');
      args.push(filter.project);
    }
    if (filter.requestedBy) {
      where.push('requested_by = ?');
      args.push(filter.requestedBy);
    }
    if (filter.actionHash) {
      where.push('action_hash = ?');
      args.push(filter.actionHash);
    }
    if (filter.group) {
      where.push("groups_text LIKE ? ESCAPE '\\'");
      args.push(`%${likeEscape(groupsText([filter.group]))}%`);
    }
    if (filter.q) {
      where.push("search_text LIKE ? ESCAPE '\\'");
      args.push(`%${likeEscape(filter.q.toLowerCase())}%`);
    }
    if (page.cursor) {
      const [createdAt, id] = decodeApprovalCursor(page.cursor);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(createdAt, createdAt, id);
    }
    const sql = `SELECT doc, created_at, id FROM approvals ${
      where.length ? `WHERE ${where.join(' AND ')}` : ''
    } ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = this.prep(sql).all(...args, page.limit + 1) as {
      doc: string;
      created_at: string;
      id: string;
    }[];
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => JSON.parse(r.doc) as ApprovalRequest),
      nextCursor: more && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  }

  async listExpiredPending(nowIso: string, limit: number): Promise<ApprovalRequest[]> {
    const rows = this.prep(
      "SELECT doc FROM approvals WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
    ).all(nowIso, limit) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as ApprovalRequest);
  }

  async getDecision(id: string): Promise<StoredDecision | null> {
    const row = this.prep('SELECT doc FROM decisions WHERE id = ?').get(id) as
      { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as StoredDecision) : null;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const row = this.prep('SELECT * FROM api_keys WHERE id = ?').get(id) as ApiKeyRow | undefined;
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = this.prep('SELECT * FROM api_keys ORDER BY created_at, id').all() as ApiKeyRow[];
    return rows.map(apiKeyFromRow);
  }

  async listAuditEvents(filter: AuditFilter, page: PageRequest): Promise<Page<StoredAuditEvent>> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const eq: [keyof AuditFilter, string][] = [
      ['approvalId', 'approval_id'],
      ['actor', 'actor_id'],
      ['environment', 'environment'],
      ['project', 'project'],
      ['type', 'type'],
    ];
    for (const [key, col] of eq) {
      const v = filter[key];
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    if (filter.since) {
      where.push('at >= ?');
      args.push(filter.since);
    }
    if (filter.until) {
      where.push('at < ?');
      args.push(filter.until);
    }
    if (filter.q) {
      where.push("lower(event_json) LIKE ? ESCAPE '\\'");
      args.push(`%${likeEscape(filter.q.toLowerCase())}%`);
    }
    const desc = page.order === 'desc';
    if (page.cursor) {
      where.push(desc ? 'idx < ?' : 'idx > ?');
      args.push(decodeAuditCursor(page.cursor));
    }
    const sql = `SELECT idx, event_json FROM audit_events ${
      where.length ? `WHERE ${where.join(' AND ')}` : ''
    } ORDER BY idx ${desc ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.prep(sql).all(...args, page.limit + 1) as {
      idx: number;
      event_json: string;
    }[];
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({ index: r.idx, event: JSON.parse(r.event_json) as AuditEvent })),
      nextCursor: more && last ? encodeCursor([last.idx]) : null,
    };
  }

  private auditReadsCache: ReturnType<typeof sqliteAuditReads> | undefined;
  private get auditReads(): ReturnType<typeof sqliteAuditReads> {
    this.auditReadsCache ??= sqliteAuditReads(this.db);
    return this.auditReadsCache;
  }

  auditHead(): Promise<{ size: number; compactRange: string }> {
    return this.auditReads.auditHead();
  }
  readAuditNodes(
    refs: readonly { level: number; index: number }[],
  ): Promise<(Uint8Array | undefined)[]> {
    return this.auditReads.readAuditNodes(refs);
  }
  readAuditNodeRange(
    level: number,
    from: number,
    count: number,
  ): Promise<(Uint8Array | undefined)[]> {
    return this.auditReads.readAuditNodeRange(level, from, count);
  }
  readAuditRows(fromIndex: number, limit: number): Promise<AuditRow[]> {
    return this.auditReads.readAuditRows(fromIndex, limit);
  }
  listCheckpoints(): Promise<StoredCheckpoint[]> {
    return this.auditReads.listCheckpoints();
  }
  latestCheckpoint(): Promise<StoredCheckpoint | null> {
    return this.auditReads.latestCheckpoint();
  }
  insertCheckpoint(c: StoredCheckpoint): Promise<boolean> {
    return this.auditReads.insertCheckpoint(c);
  }
  listCosignatures(size: number): Promise<StoredCosignature[]> {
    return this.auditReads.listCosignatures(size);
  }
  lastCosignedSize(witness: string): Promise<number | null> {
    return this.auditReads.lastCosignedSize(witness);
  }
  insertCosignature(c: StoredCosignature): Promise<boolean> {
    return this.auditReads.insertCosignature(c);
  }

  async auditSize(): Promise<number> {
    const row = this.prep('SELECT size FROM audit_head WHERE id = 1').get() as {
      size: number;
    };
    return row.size;
  }

  async findPipelineVersion(project: string, specHash: string): Promise<PipelineVersion | null> {
    return pipelineVersionFromRow(
      this.prep('SELECT * FROM pipeline_versions WHERE project = ? AND spec_hash = ?').get(
        project,
        specHash,
      ) as PipelineVersionRow | undefined,
    );
  }

  async listPipelineVersions(project: string, page: PageRequest): Promise<Page<PipelineVersion>> {
    const args: (string | number)[] = [project];
    let after = '';
    if (page.cursor) {
      // the same key shape as approvals: [registeredAt, specHash]
      const [at, spec] = decodeApprovalCursor(page.cursor);
      after = ' AND (registered_at < ? OR (registered_at = ? AND spec_hash < ?))';
      args.push(at, at, spec);
    }
    const rows = this.prep(
      `SELECT * FROM pipeline_versions WHERE project = ?${after}
       ORDER BY registered_at DESC, spec_hash DESC LIMIT ?`,
    ).all(...args, page.limit + 1) as PipelineVersionRow[];
    return versionPage(rows, page.limit);
  }

  async findPreviousApproved(q: PreviousApprovalQuery): Promise<ApprovalRequest | null> {
    const row = this.prep(
      `SELECT doc FROM approvals
         WHERE environment = ? AND project = ? AND kind = ? AND state = 'approved'
           AND created_at < ? AND id <> ?
         ORDER BY created_at DESC, id DESC LIMIT 1`,
    ).get(q.environment, q.project, q.kind, q.before, q.excludeId) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as ApprovalRequest) : null;
  }

  async listProjects(limit: number): Promise<string[]> {
    const rows = this.prep('SELECT DISTINCT project FROM approvals ORDER BY project LIMIT ?').all(
      limit,
    ) as { project: string }[];
    return rows.map((r) => r.project);
  }

  async getCredential(approvalId: string): Promise<StoredCredential | null> {
    return credentialFromRow(
      this.prep('SELECT * FROM credentials WHERE approval_id = ?').get(approvalId) as
        CredentialRow | undefined,
    );
  }

  async isCredentialConsumed(jti: string): Promise<boolean> {
    return this.prep('SELECT 1 FROM consumed_credentials WHERE jti = ?').get(jti) !== undefined;
  }

  // ---- writes (only ever called inside a transaction on the writer connection)

  async insertDecision(d: Decision, action: Action): Promise<void> {
    const doc: StoredDecision = { decision: d, action };
    this.prep('INSERT INTO decisions (id, action_hash, created_at, doc) VALUES (?, ?, ?, ?)').run(
      d.decisionId,
      d.actionHash,
      d.evaluatedAt,
      JSON.stringify(doc),
    );
  }

  async findPendingByActionHash(actionHash: string): Promise<ApprovalRequest | null> {
    const row = this.prep(
      "SELECT doc FROM approvals WHERE action_hash = ? AND state = 'pending'",
    ).get(actionHash) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as ApprovalRequest) : null;
  }

  async insertApproval(req: ApprovalRequest): Promise<void> {
    const values = approvalInsertValues(req);
    this.prep(
      `INSERT INTO approvals (${APPROVAL_INSERT_SQL_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`,
    ).run(...values);
  }

  async updateApproval(req: ApprovalRequest, expectedVersion: number): Promise<boolean> {
    const c = approvalColumns({ ...req, version: expectedVersion + 1 });
    const info = this.prep(
      `UPDATE approvals SET state = ?, version = ?, decided_at = ?, expires_at = ?, doc = ?
         WHERE id = ? AND version = ?`,
    ).run(c.state, c.version, c.decidedAt, c.expiresAt, c.doc, c.id, expectedVersion);
    return info.changes === 1;
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    this.prep(
      `INSERT INTO api_keys (id, name, secret_hash, scopes, groups_text, created_at, created_by,
          last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      k.id,
      k.name,
      k.secretHash,
      JSON.stringify(k.scopes),
      JSON.stringify(k.groups),
      k.createdAt,
      k.createdBy,
      k.lastUsedAt,
      k.revokedAt,
    );
  }

  async revokeApiKey(id: string, atIso: string): Promise<boolean> {
    const info = this.prep(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    ).run(atIso, id);
    return info.changes === 1;
  }

  async replaceApiKeySecret(id: string, secretHash: string): Promise<boolean> {
    const info = this.prep(
      'UPDATE api_keys SET secret_hash = ? WHERE id = ? AND revoked_at IS NULL',
    ).run(secretHash, id);
    return info.changes === 1;
  }

  async insertCredential(c: StoredCredential): Promise<void> {
    this.prep(
      'INSERT INTO credentials (approval_id, jti, kid, token, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(c.approvalId, c.jti, c.kid, c.token, c.issuedAt, c.expiresAt);
  }

  async consumeCredential(jti: string, approvalId: string, atIso: string): Promise<boolean> {
    const info = this.prep(
      'INSERT INTO consumed_credentials (jti, approval_id, consumed_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING',
    ).run(jti, approvalId, atIso);
    return info.changes === 1;
  }

  async registerPipelineVersion(v: PipelineVersion): Promise<boolean> {
    const info = this.prep(
      `INSERT INTO pipeline_versions (project, spec_hash, version, registered_at, registered_by)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (project, spec_hash) DO UPDATE SET version = excluded.version,
           registered_at = excluded.registered_at, registered_by = excluded.registered_by
         WHERE pipeline_versions.version IS NOT excluded.version`,
    ).run(v.project, v.specHash, v.version, v.registeredAt, v.registeredBy);
    return info.changes === 1;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await sequenceAuditEvent(this.auditIo, event);
  }

  private readonly auditIo: AuditSequenceIo = {
    insertPending: async (eventJson, appendedAt) => {
      this.prep('INSERT INTO audit_pending (event_json, appended_at) VALUES (?, ?)').run(
        eventJson,
        appendedAt,
      );
    },
  };
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
