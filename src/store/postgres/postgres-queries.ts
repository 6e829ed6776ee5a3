/**
 * The SQL behind the PostgreSQL adapter, bound to the pool (reads outside transactions) or to
 * one checked-out client inside BEGIN … COMMIT (`inTransaction`), where reads of an approval
 * lock its row so read-check-update sequences of concurrent reviewers run one after another.
 */
import type { GithubDeploymentLink } from '../github-deployment-types.js';
import {
  insertPostgresGithubDeployment,
  listPostgresGithubDeployments,
} from './postgres-github.js';
import type { QueryResultRow } from 'pg';
import type { ApprovalRequest } from '../../domain/approval.js';
import type { AuditEvent } from '../../domain/audit-event.js';
import type { Decision } from '../../domain/decision.js';
import type { Action } from '../../domain/action.js';
import { decodeApprovalCursor, encodeCursor } from '../../lib/cursor.js';
import { sequenceAuditEvent } from '../audit-append.js';
import type {
  ApiKeyRecord,
  ApprovalFilter,
  AuditRow,
  StoredCheckpoint,
  StoredCosignature,
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
import { auditSize, listAuditEvents, postgresSequenceIo } from './postgres-audit.js';
import { postgresAuditReads } from './postgres-audit-reads.js';
import { likeEscape, SqlParams, whereClause, type Queryable } from './postgres-sql.js';
import type { DeliveryAttemptUpdate, NewDelivery } from '../outbox-types.js';
import { enqueuePostgresDeliveries, recordPostgresDeliveryAttempt } from './postgres-outbox.js';
import type { NotificationRecord } from '../record-types.js';
import {
  listPostgresRecords,
  rememberPostgresSignature,
  savePostgresRecord,
  touchPostgresRecord,
} from './postgres-records.js';
import { APPROVALS_CHANNEL, encodeApprovalNotice } from './postgres-listener.js';

/** Namespace (first key) of the per-action-hash advisory locks taken by idempotent creation. */
const PENDING_ACTION_LOCK_SPACE = 0x4353_0001;

export class PostgresQueries implements StoreTx {
  constructor(
    private readonly db: Queryable,
    private readonly inTransaction: boolean,
  ) {}

  insertGithubDeployment(link: GithubDeploymentLink): Promise<boolean> {
    return insertPostgresGithubDeployment(this.db, link);
  }

  listGithubDeployments(approvalId: string): Promise<GithubDeploymentLink[]> {
    return listPostgresGithubDeployments(this.db, approvalId);
  }

  enqueueDeliveries(rows: readonly NewDelivery[]): Promise<number> {
    return enqueuePostgresDeliveries(this.db, rows);
  }

  recordDeliveryAttempt(update: DeliveryAttemptUpdate): Promise<boolean> {
    return recordPostgresDeliveryAttempt(this.db, update);
  }

  listNotificationRecords(approvalId: string): Promise<NotificationRecord[]> {
    return listPostgresRecords(this.db, approvalId);
  }

  saveNotificationRecord(record: NotificationRecord): Promise<boolean> {
    return savePostgresRecord(this.db, record);
  }

  touchNotificationRecord(approvalId: string, provider: string, at: string): Promise<void> {
    return touchPostgresRecord(this.db, approvalId, provider, at);
  }

  rememberSignature(signature: string, at: string, forgetBefore: string): Promise<boolean> {
    return rememberPostgresSignature(this.db, signature, at, forgetBefore);
  }

  private async one<R extends QueryResultRow>(
    sql: string,
    values: unknown[],
  ): Promise<R | undefined> {
    const res = await this.db.query<R>(sql, values);
    return res.rows[0];
  }

  async getApproval(id: string): Promise<ApprovalRequest | null> {
    const lock = this.inTransaction ? ' FOR UPDATE' : '';
    const row = await this.one<{ doc: string }>(`SELECT doc FROM approvals WHERE id = $1${lock}`, [
      id,
    ]);
    return row ? (JSON.parse(row.doc) as ApprovalRequest) : null;
  }

  async listApprovals(filter: ApprovalFilter, page: PageRequest): Promise<Page<ApprovalRequest>> {
    const p = new SqlParams();
    const where: string[] = [];
    if (filter.state) where.push(`state = ${p.add(filter.state)}`);
    if (filter.environment) where.push(`environment = ${p.add(filter.environment)}`);
    if (filter.project) where.push(`project = ${p.add(filter.project)}`);
    if (filter.requestedBy) where.push(`requested_by = ${p.add(filter.requestedBy)}`);
    if (filter.actionHash) where.push(`action_hash = ${p.add(filter.actionHash)}`);
    if (filter.group) {
      where.push(
        `groups_text LIKE ${p.add(`%${likeEscape(groupsText([filter.group]))}%`)} ESCAPE '\\'`,
      );
    }
    if (filter.q) {
      where.push(
        `search_text LIKE ${p.add(`%${likeEscape(filter.q.toLowerCase())}%`)} ESCAPE '\\'`,
      );
    }
    if (page.cursor) {
      const [createdAt, lastId] = decodeApprovalCursor(page.cursor);
      const at = p.add(createdAt);
      const id = p.add(lastId);
      // byte order ("C"), as in SQLite, so both adapters page identically
      where.push(
        `(created_at COLLATE "C" < ${at} OR (created_at COLLATE "C" = ${at} AND id COLLATE "C" < ${id}))`,
      );
    }
    const sql = `SELECT doc, created_at, id FROM approvals ${whereClause(where)}
      ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" DESC LIMIT ${p.add(page.limit + 1)}`;
    const { rows } = await this.db.query<{ doc: string; created_at: string; id: string }>(
      sql,
      p.values,
    );
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => JSON.parse(r.doc) as ApprovalRequest),
      nextCursor: more && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  }

  async listExpiredPending(nowIso: string, limit: number): Promise<ApprovalRequest[]> {
    const { rows } = await this.db.query<{ doc: string }>(
      `SELECT doc FROM approvals WHERE state = 'pending' AND expires_at COLLATE "C" <= $1
       ORDER BY expires_at COLLATE "C", id COLLATE "C" LIMIT $2`,
      [nowIso, limit],
    );
    return rows.map((r) => JSON.parse(r.doc) as ApprovalRequest);
  }

  async getDecision(id: string): Promise<StoredDecision | null> {
    const row = await this.one<{ doc: string }>('SELECT doc FROM decisions WHERE id = $1', [id]);
    return row ? (JSON.parse(row.doc) as StoredDecision) : null;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const row = await this.one<ApiKeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.db.query<ApiKeyRow>(
      'SELECT * FROM api_keys ORDER BY created_at COLLATE "C", id COLLATE "C"',
    );
    return rows.map(apiKeyFromRow);
  }

  listAuditEvents(filter: AuditFilter, page: PageRequest): Promise<Page<StoredAuditEvent>> {
    return listAuditEvents(this.db, filter, page);
  }

  private get auditReads() {
    return postgresAuditReads(this.db);
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

  auditSize(): Promise<number> {
    return auditSize(this.db);
  }

  async findPreviousApproved(q: PreviousApprovalQuery): Promise<ApprovalRequest | null> {
    // byte order ("C") for the ISO timestamps and ids, as in SQLite
    const row = await this.one<{ doc: string }>(
      `SELECT doc FROM approvals
         WHERE environment = $1 AND project = $2 AND kind = $3 AND state = 'approved'
           AND created_at COLLATE "C" < $4 AND id <> $5
         ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" DESC LIMIT 1`,
      [q.environment, q.project, q.kind, q.before, q.excludeId],
    );
    return row ? (JSON.parse(row.doc) as ApprovalRequest) : null;
  }

  async listProjects(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ project: string }>(
      'SELECT DISTINCT project COLLATE "C" AS project FROM approvals ORDER BY 1 LIMIT $1',
      [limit],
    );
    return rows.map((r) => r.project);
  }

  async findPipelineVersion(project: string, specHash: string): Promise<PipelineVersion | null> {
    return pipelineVersionFromRow(
      await this.one<PipelineVersionRow>(
        'SELECT * FROM pipeline_versions WHERE project = $1 AND spec_hash = $2',
        [project, specHash],
      ),
    );
  }

  async listPipelineVersions(project: string, page: PageRequest): Promise<Page<PipelineVersion>> {
    const p = new SqlParams();
    const where = [`project = ${p.add(project)}`];
    if (page.cursor) {
      const [registeredAt, specHash] = decodeApprovalCursor(page.cursor);
      const at = p.add(registeredAt);
      // byte order ("C"), as in SQLite, so both adapters page identically
      where.push(
        `(registered_at COLLATE "C" < ${at} OR (registered_at COLLATE "C" = ${at} AND spec_hash COLLATE "C" < ${p.add(specHash)}))`,
      );
    }
    const { rows } = await this.db.query<PipelineVersionRow>(
      `SELECT * FROM pipeline_versions ${whereClause(where)}
       ORDER BY registered_at COLLATE "C" DESC, spec_hash COLLATE "C" DESC LIMIT ${p.add(page.limit + 1)}`,
      p.values,
    );
    return versionPage(rows, page.limit);
  }

  async getCredential(approvalId: string): Promise<StoredCredential | null> {
    return credentialFromRow(
      await this.one<CredentialRow>('SELECT * FROM credentials WHERE approval_id = $1', [
        approvalId,
      ]),
    );
  }

  async isCredentialConsumed(jti: string): Promise<boolean> {
    return (
      (await this.one('SELECT 1 FROM consumed_credentials WHERE jti = $1', [jti])) !== undefined
    );
  }

  // ---- writes (only ever called inside a transaction on its client)

  async insertDecision(d: Decision, action: Action): Promise<void> {
    const doc: StoredDecision = { decision: d, action };
    await this.db.query(
      'INSERT INTO decisions (id, action_hash, created_at, doc) VALUES ($1, $2, $3, $4)',
      [d.decisionId, d.actionHash, d.evaluatedAt, JSON.stringify(doc)],
    );
  }

  async findPendingByActionHash(actionHash: string): Promise<ApprovalRequest | null> {
    if (this.inTransaction) {
      // A missing row cannot be locked: serialise creators of the same action instead, so the
      // second one (any replica) sees the first one's committed request instead of hitting the
      // unique index. Released at COMMIT/ROLLBACK.
      await this.db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        PENDING_ACTION_LOCK_SPACE,
        actionHash,
      ]);
    }
    const row = await this.one<{ doc: string }>(
      `SELECT doc FROM approvals WHERE action_hash = $1 AND state = 'pending'`,
      [actionHash],
    );
    return row ? (JSON.parse(row.doc) as ApprovalRequest) : null;
  }

  async insertApproval(req: ApprovalRequest): Promise<void> {
    const values = approvalInsertValues(req);
    await this.db.query(
      `INSERT INTO approvals (${APPROVAL_INSERT_SQL_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }

  async updateApproval(req: ApprovalRequest, expectedVersion: number): Promise<boolean> {
    const c = approvalColumns({ ...req, version: expectedVersion + 1 });
    // Under READ COMMITTED a concurrent writer of the row makes this wait, then re-check the
    // version against the committed row: exactly one of them matches.
    const res = await this.db.query(
      `UPDATE approvals SET state = $1, version = $2, decided_at = $3, expires_at = $4, doc = $5
       WHERE id = $6 AND version = $7`,
      [c.state, c.version, c.decidedAt, c.expiresAt, c.doc, c.id, expectedVersion],
    );
    return res.rowCount === 1;
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (id, name, secret_hash, scopes, groups_text, created_at, created_by,
        last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
    const res = await this.db.query(
      'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
      [atIso, id],
    );
    return res.rowCount === 1;
  }

  async replaceApiKeySecret(id: string, secretHash: string): Promise<boolean> {
    const res = await this.db.query(
      'UPDATE api_keys SET secret_hash = $1 WHERE id = $2 AND revoked_at IS NULL',
      [secretHash, id],
    );
    return res.rowCount === 1;
  }

  async insertCredential(c: StoredCredential): Promise<void> {
    await this.db.query(
      `INSERT INTO credentials (approval_id, jti, kid, token, issued_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [c.approvalId, c.jti, c.kid, c.token, c.issuedAt, c.expiresAt],
    );
  }

  async consumeCredential(jti: string, approvalId: string, atIso: string): Promise<boolean> {
    const res = await this.db.query(
      `INSERT INTO consumed_credentials (jti, approval_id, consumed_at) VALUES ($1, $2, $3)
       ON CONFLICT (jti) DO NOTHING`,
      [jti, approvalId, atIso],
    );
    return res.rowCount === 1;
  }

  async registerPipelineVersion(v: PipelineVersion): Promise<boolean> {
    const res = await this.db.query(
      `INSERT INTO pipeline_versions (project, spec_hash, version, registered_at, registered_by)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (project, spec_hash) DO UPDATE SET version = excluded.version,
         registered_at = excluded.registered_at, registered_by = excluded.registered_by
       WHERE pipeline_versions.version IS DISTINCT FROM excluded.version`,
      [v.project, v.specHash, v.version, v.registeredAt, v.registeredBy],
    );
    return res.rowCount === 1;
  }

  /** True once this transaction appended an audit event (the store then wakes its integrator). */
  appendedAudit = false;

  async appendAudit(event: AuditEvent): Promise<void> {
    this.appendedAudit = true;
    await sequenceAuditEvent(postgresSequenceIo(this.db), event);
  }

  async notifyApprovalChanged(approval: ApprovalRequest, event: string): Promise<void> {
    // queued by PostgreSQL and delivered to every listener only if this transaction commits
    await this.db.query('SELECT pg_notify($1, $2)', [
      APPROVALS_CHANNEL,
      encodeApprovalNotice({ id: approval.id, version: approval.version, event }),
    ]);
  }
}
