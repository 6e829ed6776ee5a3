/**
 * Reads outside a transaction, forwarded to whatever the adapter reads with (SQLite: its read-only
 * connection; PostgreSQL: the pool). One forwarding list for every adapter; each method is async so
 * that an adapter refusing to read (a closed store) answers with a rejection, never a throw.
 */
import type { ApprovalRequest } from '../domain/approval.js';
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
  StoreReader,
} from './port.js';
import type { NotificationRecord } from './record-types.js';

export abstract class StoreReads implements StoreReader {
  /** The reader used outside transactions. */
  protected abstract get reads(): StoreReader;

  /** Runs before every read (SQLite: wait until what was committed is on disk). */
  protected async beforeRead(): Promise<void> {}

  async getApproval(id: string): Promise<ApprovalRequest | null> {
    await this.beforeRead();
    return this.reads.getApproval(id);
  }
  async listApprovals(filter: ApprovalFilter, page: PageRequest): Promise<Page<ApprovalRequest>> {
    await this.beforeRead();
    return this.reads.listApprovals(filter, page);
  }
  async listExpiredPending(nowIso: string, limit: number): Promise<ApprovalRequest[]> {
    await this.beforeRead();
    return this.reads.listExpiredPending(nowIso, limit);
  }
  async getDecision(id: string): Promise<StoredDecision | null> {
    await this.beforeRead();
    return this.reads.getDecision(id);
  }
  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    await this.beforeRead();
    return this.reads.getApiKey(id);
  }
  async listApiKeys(): Promise<ApiKeyRecord[]> {
    await this.beforeRead();
    return this.reads.listApiKeys();
  }
  async listAuditEvents(filter: AuditFilter, page: PageRequest): Promise<Page<StoredAuditEvent>> {
    await this.beforeRead();
    return this.reads.listAuditEvents(filter, page);
  }
  async auditSize(): Promise<number> {
    await this.beforeRead();
    return this.reads.auditSize();
  }
  async auditHead(): Promise<{ size: number; compactRange: string }> {
    await this.beforeRead();
    return this.reads.auditHead();
  }
  async readAuditNodes(
    refs: readonly { level: number; index: number }[],
  ): Promise<(Uint8Array | undefined)[]> {
    await this.beforeRead();
    return this.reads.readAuditNodes(refs);
  }
  async readAuditNodeRange(
    level: number,
    from: number,
    count: number,
  ): Promise<(Uint8Array | undefined)[]> {
    await this.beforeRead();
    return this.reads.readAuditNodeRange(level, from, count);
  }
  async readAuditRows(fromIndex: number, limit: number): Promise<AuditRow[]> {
    await this.beforeRead();
    return this.reads.readAuditRows(fromIndex, limit);
  }
  async listCheckpoints(): Promise<StoredCheckpoint[]> {
    await this.beforeRead();
    return this.reads.listCheckpoints();
  }
  async latestCheckpoint(): Promise<StoredCheckpoint | null> {
    await this.beforeRead();
    return this.reads.latestCheckpoint();
  }
  async listCosignatures(size: number): Promise<StoredCosignature[]> {
    await this.beforeRead();
    return this.reads.listCosignatures(size);
  }
  async lastCosignedSize(witness: string): Promise<number | null> {
    await this.beforeRead();
    return this.reads.lastCosignedSize(witness);
  }
  async findPipelineVersion(project: string, specHash: string): Promise<PipelineVersion | null> {
    await this.beforeRead();
    return this.reads.findPipelineVersion(project, specHash);
  }
  async listPipelineVersions(project: string, page: PageRequest): Promise<Page<PipelineVersion>> {
    await this.beforeRead();
    return this.reads.listPipelineVersions(project, page);
  }
  async findPreviousApproved(q: PreviousApprovalQuery): Promise<ApprovalRequest | null> {
    await this.beforeRead();
    return this.reads.findPreviousApproved(q);
  }
  async listProjects(limit: number): Promise<string[]> {
    await this.beforeRead();
    return this.reads.listProjects(limit);
  }
  async getCredential(approvalId: string): Promise<StoredCredential | null> {
    await this.beforeRead();
    return this.reads.getCredential(approvalId);
  }
  async isCredentialConsumed(jti: string): Promise<boolean> {
    await this.beforeRead();
    return this.reads.isCredentialConsumed(jti);
  }
  async listNotificationRecords(approvalId: string): Promise<NotificationRecord[]> {
    await this.beforeRead();
    return this.reads.listNotificationRecords(approvalId);
  }
}
