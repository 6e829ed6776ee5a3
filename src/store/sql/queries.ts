/**
 * The SQL store: every statement of the Store port written once, bound to one runner (an
 * adapter's connection, pool or transaction client) and its dialect. What only one adapter does
 * (row locks, advisory locks, NOTIFY, waking an integrator) comes in as hooks.
 */
import type { ApprovalRequest } from '../../domain/approval.js';
import type { AuditEvent } from '../../domain/audit-event.js';
import type { Decision } from '../../domain/decision.js';
import type { Action } from '../../domain/action.js';
import { decodeApprovalCursor, encodeCursor } from '../../lib/cursor.js';
import { ServiceError } from '../../errors/index.js';
import type { GithubDeploymentLink } from '../github-deployment-types.js';
import type { DeliveryAttemptUpdate, NewDelivery } from '../outbox-types.js';
import type {
  ApiKeyRecord,
  ApprovalFilter,
  AuditFilter,
  AuditRow,
  Page,
  PageRequest,
  PipelineVersion,
  PreviousApprovalQuery,
  StoredAuditEvent,
  StoredCheckpoint,
  StoredCosignature,
  StoredCredential,
  StoredDecision,
  StoreTx,
} from '../port.js';
import type { NotificationRecord } from '../record-types.js';
import {
  API_KEY_COLUMNS,
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
import { listAuditEvents } from './audit-list.js';
import { auditReads, type AuditReads } from './audit-reads.js';
import {
  likeEscape,
  marks,
  pageOf,
  whereClause,
  type SqlDialect,
  type SqlRunner,
} from './dialect.js';
import * as github from './github.js';
import * as outbox from './outbox.js';
import * as records from './records.js';

/** What one adapter adds around the shared statements. */
export interface SqlQueryHooks {
  /** Appended to the read of one approval (PostgreSQL inside a transaction: ` FOR UPDATE`). */
  readonly approvalRowLock?: string;
  /** Runs before the pending request of an action hash is looked up (PostgreSQL: advisory lock). */
  beforeFindPending?(db: SqlRunner, actionHash: string): Promise<void>;
  /**
   * Sequences an audit event in the adapter's open transaction, which holds it until its end
   * (SQLite's writer integrates it before COMMIT; PostgreSQL writes it to `audit_pending` in one
   * statement before COMMIT). Absent (queries outside a transaction): appending is refused.
   */
  sequenceAudit?(event: AuditEvent): void;
  /** `StoreTx.notifyApprovalChanged`, where the adapter has one (PostgreSQL: NOTIFY at COMMIT). */
  notifyApprovalChanged?(approval: ApprovalRequest, event: string): void;
}

type DocRow = { doc: string };
const approvalOf = (row: DocRow) => JSON.parse(row.doc) as ApprovalRequest;

export class SqlQueries implements StoreTx {
  private readonly audit: AuditReads;
  readonly notifyApprovalChanged?: (approval: ApprovalRequest, event: string) => Promise<void>;

  constructor(
    private readonly db: SqlRunner,
    private readonly dialect: SqlDialect,
    private readonly hooks: SqlQueryHooks = {},
  ) {
    this.audit = auditReads(db, dialect);
    const notify = hooks.notifyApprovalChanged;
    if (notify) this.notifyApprovalChanged = async (approval, event) => notify(approval, event);
  }

  insertGithubDeployment(link: GithubDeploymentLink): Promise<boolean> {
    return github.insertGithubDeployment(this.db, link);
  }

  listGithubDeployments(approvalId: string): Promise<GithubDeploymentLink[]> {
    return github.listGithubDeployments(this.db, approvalId);
  }

  enqueueDeliveries(rows: readonly NewDelivery[]): Promise<number> {
    return outbox.enqueueDeliveries(this.db, rows);
  }

  recordDeliveryAttempt(update: DeliveryAttemptUpdate): Promise<boolean> {
    return outbox.recordDeliveryAttempt(this.db, update);
  }

  listNotificationRecords(approvalId: string): Promise<NotificationRecord[]> {
    return records.listRecords(this.db, approvalId);
  }

  saveNotificationRecord(record: NotificationRecord): Promise<boolean> {
    return records.saveRecord(this.db, record);
  }

  touchNotificationRecord(approvalId: string, provider: string, at: string): Promise<void> {
    return records.touchRecord(this.db, approvalId, provider, at);
  }

  rememberSignature(signature: string, at: string, forgetBefore: string): Promise<boolean> {
    return records.rememberSignature(this.db, signature, at, forgetBefore);
  }

  async getApproval(id: string): Promise<ApprovalRequest | null> {
    const lock = this.hooks.approvalRowLock ?? '';
    const row = await this.db.get<DocRow>(`SELECT doc FROM approvals WHERE id = ?${lock}`, [id]);
    return row ? approvalOf(row) : null;
  }

  async listApprovals(filter: ApprovalFilter, page: PageRequest): Promise<Page<ApprovalRequest>> {
    const where: string[] = [];
    const args: unknown[] = [];
    const equal: [string | undefined, string][] = [
      [filter.state, 'state'],
      [filter.environment, 'environment'],
      [filter.project, 'project'],
      [filter.requestedBy, 'requested_by'],
      [filter.actionHash, 'action_hash'],
    ];
    for (const [value, col] of equal) {
      if (value) {
        where.push(`${col} = ?`);
        args.push(value);
      }
    }
    if (filter.group) {
      where.push("groups_text LIKE ? ESCAPE '\\'");
      args.push(`%${likeEscape(groupsText([filter.group]))}%`);
    }
    if (filter.q) {
      where.push("search_text LIKE ? ESCAPE '\\'");
      args.push(`%${likeEscape(filter.q.toLowerCase())}%`);
    }
    const createdAt = this.dialect.bytes('created_at');
    const id = this.dialect.bytes('id');
    if (page.cursor) {
      const [lastAt, lastId] = decodeApprovalCursor(page.cursor);
      where.push(`(${createdAt} < ? OR (${createdAt} = ? AND ${id} < ?))`);
      args.push(lastAt, lastAt, lastId);
    }
    const rows = await this.db.all<DocRow & { created_at: string; id: string }>(
      `SELECT doc, created_at, id FROM approvals ${whereClause(where)}
       ORDER BY ${createdAt} DESC, ${id} DESC LIMIT ?`,
      [...args, page.limit + 1],
    );
    return pageOf(rows, page.limit, approvalOf, (last) => encodeCursor([last.created_at, last.id]));
  }

  async listExpiredPending(nowIso: string, limit: number): Promise<ApprovalRequest[]> {
    const expiresAt = this.dialect.bytes('expires_at');
    const rows = await this.db.all<DocRow>(
      `SELECT doc FROM approvals WHERE state = 'pending' AND ${expiresAt} <= ?
       ORDER BY ${expiresAt}, ${this.dialect.bytes('id')} LIMIT ?`,
      [nowIso, limit],
    );
    return rows.map(approvalOf);
  }

  async getDecision(id: string): Promise<StoredDecision | null> {
    const row = await this.db.get<DocRow>('SELECT doc FROM decisions WHERE id = ?', [id]);
    return row ? (JSON.parse(row.doc) as StoredDecision) : null;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.get<ApiKeyRow>(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?`,
      [id],
    );
    return row ? apiKeyFromRow(row) : null;
  }

  /** The keys of these ids that exist, in no particular order (one statement). */
  async getApiKeys(ids: readonly string[]): Promise<ApiKeyRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.all<ApiKeyRow>(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return rows.map(apiKeyFromRow);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.all<ApiKeyRow>(
      `SELECT * FROM api_keys ORDER BY ${this.dialect.bytes('created_at')}, ${this.dialect.bytes('id')}`,
    );
    return rows.map(apiKeyFromRow);
  }

  listAuditEvents(filter: AuditFilter, page: PageRequest): Promise<Page<StoredAuditEvent>> {
    return listAuditEvents(this.db, this.dialect, filter, page);
  }

  auditHead(): Promise<{ size: number; compactRange: string }> {
    return this.audit.auditHead();
  }
  auditSize(): Promise<number> {
    return this.audit.auditSize();
  }
  readAuditNodes(
    refs: readonly { level: number; index: number }[],
  ): Promise<(Uint8Array | undefined)[]> {
    return this.audit.readAuditNodes(refs);
  }
  readAuditNodeRange(
    level: number,
    from: number,
    count: number,
  ): Promise<(Uint8Array | undefined)[]> {
    return this.audit.readAuditNodeRange(level, from, count);
  }
  readAuditRows(fromIndex: number, limit: number): Promise<AuditRow[]> {
    return this.audit.readAuditRows(fromIndex, limit);
  }
  listCheckpoints(): Promise<StoredCheckpoint[]> {
    return this.audit.listCheckpoints();
  }
  latestCheckpoint(): Promise<StoredCheckpoint | null> {
    return this.audit.latestCheckpoint();
  }
  insertCheckpoint(c: StoredCheckpoint): Promise<boolean> {
    return this.audit.insertCheckpoint(c);
  }
  listCosignatures(size: number): Promise<StoredCosignature[]> {
    return this.audit.listCosignatures(size);
  }
  lastCosignedSize(witness: string): Promise<number | null> {
    return this.audit.lastCosignedSize(witness);
  }
  insertCosignature(c: StoredCosignature): Promise<boolean> {
    return this.audit.insertCosignature(c);
  }

  async findPipelineVersion(project: string, specHash: string): Promise<PipelineVersion | null> {
    return pipelineVersionFromRow(
      await this.db.get<PipelineVersionRow>(
        'SELECT * FROM pipeline_versions WHERE project = ? AND spec_hash = ?',
        [project, specHash],
      ),
    );
  }

  async listPipelineVersions(project: string, page: PageRequest): Promise<Page<PipelineVersion>> {
    const where = ['project = ?'];
    const args: unknown[] = [project];
    const registeredAt = this.dialect.bytes('registered_at');
    const specHash = this.dialect.bytes('spec_hash');
    if (page.cursor) {
      // the same key shape as approvals: [registeredAt, specHash]
      const [at, spec] = decodeApprovalCursor(page.cursor);
      where.push(`(${registeredAt} < ? OR (${registeredAt} = ? AND ${specHash} < ?))`);
      args.push(at, at, spec);
    }
    const rows = await this.db.all<PipelineVersionRow>(
      `SELECT * FROM pipeline_versions ${whereClause(where)}
       ORDER BY ${registeredAt} DESC, ${specHash} DESC LIMIT ?`,
      [...args, page.limit + 1],
    );
    return versionPage(rows, page.limit);
  }

  async findPreviousApproved(q: PreviousApprovalQuery): Promise<ApprovalRequest | null> {
    const createdAt = this.dialect.bytes('created_at');
    const id = this.dialect.bytes('id');
    const row = await this.db.get<DocRow>(
      `SELECT doc FROM approvals
         WHERE environment = ? AND project = ? AND kind = ? AND state = 'approved'
           AND ${createdAt} < ? AND id <> ?
         ORDER BY ${createdAt} DESC, ${id} DESC LIMIT 1`,
      [q.environment, q.project, q.kind, q.before, q.excludeId],
    );
    return row ? approvalOf(row) : null;
  }

  async listProjects(limit: number): Promise<string[]> {
    const rows = await this.db.all<{ project: string }>(
      `SELECT DISTINCT ${this.dialect.bytes('project')} AS project FROM approvals ORDER BY 1 LIMIT ?`,
      [limit],
    );
    return rows.map((r) => r.project);
  }

  async getCredential(approvalId: string): Promise<StoredCredential | null> {
    return credentialFromRow(
      await this.db.get<CredentialRow>('SELECT * FROM credentials WHERE approval_id = ?', [
        approvalId,
      ]),
    );
  }

  async isCredentialConsumed(jti: string): Promise<boolean> {
    return (
      (await this.db.get('SELECT 1 FROM consumed_credentials WHERE jti = ?', [jti])) !== undefined
    );
  }

  // ---- writes (only ever called inside a transaction)

  async insertDecision(d: Decision, action: Action): Promise<void> {
    const doc: StoredDecision = { decision: d, action };
    await this.db.run(
      'INSERT INTO decisions (id, action_hash, created_at, doc) VALUES (?, ?, ?, ?)',
      [d.decisionId, d.actionHash, d.evaluatedAt, JSON.stringify(doc)],
    );
  }

  async findPendingByActionHash(actionHash: string): Promise<ApprovalRequest | null> {
    await this.hooks.beforeFindPending?.(this.db, actionHash);
    const row = await this.db.get<DocRow>(
      "SELECT doc FROM approvals WHERE action_hash = ? AND state = 'pending'",
      [actionHash],
    );
    return row ? approvalOf(row) : null;
  }

  async insertApproval(req: ApprovalRequest): Promise<void> {
    const values = approvalInsertValues(req);
    await this.db.run(
      `INSERT INTO approvals (${APPROVAL_INSERT_SQL_COLUMNS}) VALUES (${marks(values.length)})`,
      values,
    );
  }

  async updateApproval(req: ApprovalRequest, expectedVersion: number): Promise<boolean> {
    const c = approvalColumns({ ...req, version: expectedVersion + 1 });
    // PostgreSQL, READ COMMITTED: a concurrent writer of the row makes this wait, then re-check
    // the version against the committed row, so exactly one of them matches.
    const changed = await this.db.run(
      `UPDATE approvals SET state = ?, version = ?, decided_at = ?, expires_at = ?, doc = ?
         WHERE id = ? AND version = ?`,
      [c.state, c.version, c.decidedAt, c.expiresAt, c.doc, c.id, expectedVersion],
    );
    return changed === 1;
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        k.id,
        k.name,
        k.secretHash,
        JSON.stringify(k.scopes),
        JSON.stringify(k.groups),
        k.createdAt,
        k.createdBy,
        k.lastUsedAt,
        k.revokedAt,
      ],
    );
  }

  async revokeApiKey(id: string, atIso: string): Promise<boolean> {
    const changed = await this.db.run(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      [atIso, id],
    );
    return changed === 1;
  }

  async replaceApiKeySecret(id: string, secretHash: string): Promise<boolean> {
    const changed = await this.db.run(
      'UPDATE api_keys SET secret_hash = ? WHERE id = ? AND revoked_at IS NULL',
      [secretHash, id],
    );
    return changed === 1;
  }

  async insertCredential(c: StoredCredential): Promise<void> {
    await this.db.run(
      'INSERT INTO credentials (approval_id, jti, kid, token, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [c.approvalId, c.jti, c.kid, c.token, c.issuedAt, c.expiresAt],
    );
  }

  async consumeCredential(jti: string, approvalId: string, atIso: string): Promise<boolean> {
    const changed = await this.db.run(
      'INSERT INTO consumed_credentials (jti, approval_id, consumed_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING',
      [jti, approvalId, atIso],
    );
    return changed === 1;
  }

  async registerPipelineVersion(v: PipelineVersion): Promise<boolean> {
    const changed = await this.db.run(
      `INSERT INTO pipeline_versions (project, spec_hash, version, registered_at, registered_by)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (project, spec_hash) DO UPDATE SET version = excluded.version,
           registered_at = excluded.registered_at, registered_by = excluded.registered_by
         WHERE pipeline_versions.version ${this.dialect.isDistinct} excluded.version`,
      [v.project, v.specHash, v.version, v.registeredAt, v.registeredBy],
    );
    return changed === 1;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    if (!this.hooks.sequenceAudit) {
      throw new ServiceError('internal', 'audit events are appended inside a store transaction');
    }
    this.hooks.sequenceAudit(event);
  }
}

/** `UPDATE api_keys SET last_used_at`, outside any transaction of the port. */
export async function touchApiKey(db: SqlRunner, id: string, atIso: string): Promise<void> {
  await db.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [atIso, id]);
}
