/**
 * The Store port: everything services need from persistence, Promise-based so that the SQLite
 * and PostgreSQL adapters are interchangeable. Every state change and its audit event are written
 * inside one `transaction()`; conditional updates give exactly one winner under concurrency.
 */
import type { ApprovalRequest, ApprovalState } from '../domain/approval.js';
import type { AuditEvent, AuditEventType } from '../domain/audit-event.js';
import type { Action } from '../domain/action.js';
import type { Decision } from '../domain/decision.js';
import type { Scope } from '../domain/principal.js';
import type { OutboxStore, OutboxTx } from './outbox-types.js';
import type { RecordReader, RecordTx } from './record-types.js';
import type { GithubDeploymentTx } from './github-deployment-types.js';
import type { OpsStats } from './ops-stats.js';
import type { ChunkReaderWorker } from '../audit/verify-parallel.js';

export type * from './outbox-types.js';
export type * from './record-types.js';
export type * from './github-deployment-types.js';

export interface ApprovalFilter {
  state?: ApprovalState;
  group?: string;
  environment?: string;
  project?: string;
  requestedBy?: string;
  /** Exactly this action hash (`sha256:…`). */
  actionHash?: string;
  /** Free text over id, kind, target, project, reason. */
  q?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
  /** Audit events only: `desc` lists newest first (the cursor continues in that order). */
  order?: 'asc' | 'desc';
}

/** The scope an earlier approval is looked up in: same environment, project and kind. */
export interface PreviousApprovalQuery {
  environment: string;
  project: string;
  kind: string;
  /** Only requests created before this instant (ISO 8601). */
  before: string;
  /** The request itself, never its own predecessor. */
  excludeId: string;
}

/** A decision with the action it was made for. */
export interface StoredDecision {
  decision: Decision;
  action: Action;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** sha256 hex of the secret part; the key itself is never stored. */
  secretHash: string;
  scopes: Scope[];
  groups: string[];
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditFilter {
  approvalId?: string;
  actor?: string;
  environment?: string;
  project?: string;
  type?: AuditEventType;
  since?: string;
  until?: string;
  /** Case-insensitive text anywhere in the event (names, reasons, ids, hashes). */
  q?: string;
}

export interface StoredAuditEvent {
  index: number;
  event: AuditEvent;
}

export interface StoredCredential {
  approvalId: string;
  jti: string;
  kid: string;
  token: string;
  issuedAt: string;
  expiresAt: string;
}

export interface StoredCheckpoint {
  size: number;
  /** Hex root hash of the tree of this size. */
  rootHash: string;
  /** The C2SP signed note. */
  note: string;
  createdAt: string;
}

/** A witness's cosignature of the checkpoint of `size`: its note signature line (no newline). */
export interface StoredCosignature {
  size: number;
  witness: string;
  line: string;
  createdAt: string;
}

/** One raw audit row: the exact stored text hashed into leaf `index`. */
export interface AuditRow {
  index: number;
  eventJson: string;
}

export interface PipelineVersion {
  project: string;
  version: string;
  specHash: string;
  registeredAt: string;
  registeredBy: string;
}

/** Reads, available both outside and inside a transaction. */
export interface StoreReader extends RecordReader {
  getApproval(id: string): Promise<ApprovalRequest | null>;
  listApprovals(filter: ApprovalFilter, page: PageRequest): Promise<Page<ApprovalRequest>>;
  /** Pending requests whose expiry is at or before `nowIso`, oldest first. */
  listExpiredPending(nowIso: string, limit: number): Promise<ApprovalRequest[]>;
  getDecision(id: string): Promise<StoredDecision | null>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  listAuditEvents(filter: AuditFilter, page: PageRequest): Promise<Page<StoredAuditEvent>>;
  auditSize(): Promise<number>;
  /** The audit head: tree size and compact range (JSON array of hex roots). */
  auditHead(): Promise<{ size: number; compactRange: string }>;
  /** Stored perfect-subtree hashes (level 0 = leaves); undefined where absent. One query. */
  readAuditNodes(
    refs: readonly { level: number; index: number }[],
  ): Promise<(Uint8Array | undefined)[]>;
  /** Stored nodes (level, from) … (level, from + count - 1) in order; undefined where absent. */
  readAuditNodeRange(
    level: number,
    from: number,
    count: number,
  ): Promise<(Uint8Array | undefined)[]>;
  /** Raw rows from `fromIndex`, in index order, at most `limit`. */
  readAuditRows(fromIndex: number, limit: number): Promise<AuditRow[]>;
  listCheckpoints(): Promise<StoredCheckpoint[]>;
  latestCheckpoint(): Promise<StoredCheckpoint | null>;
  /** The witness cosignatures stored for the checkpoint of `size`, by witness name. */
  listCosignatures(size: number): Promise<StoredCosignature[]>;
  /** The largest checkpoint size `witness` has cosigned, or null when none. */
  lastCosignedSize(witness: string): Promise<number | null>;
  findPipelineVersion(project: string, specHash: string): Promise<PipelineVersion | null>;
  /** A project's pipeline versions, latest registration first (cursor: registeredAt, specHash). */
  listPipelineVersions(project: string, page: PageRequest): Promise<Page<PipelineVersion>>;
  /** The newest approved request in the same scope created before `before`, or null. */
  findPreviousApproved(q: PreviousApprovalQuery): Promise<ApprovalRequest | null>;
  /** Distinct projects of stored requests, sorted, at most `limit`. */
  listProjects(limit: number): Promise<string[]>;
  getCredential(approvalId: string): Promise<StoredCredential | null>;
  isCredentialConsumed(jti: string): Promise<boolean>;
}

/** Writes happen only inside a transaction. */
export interface StoreTx extends StoreReader, OutboxTx, RecordTx, GithubDeploymentTx {
  insertDecision(decision: Decision, action: Action): Promise<void>;
  /** The pending request for this action hash, if any (regardless of its expiry). */
  findPendingByActionHash(actionHash: string): Promise<ApprovalRequest | null>;
  insertApproval(req: ApprovalRequest): Promise<void>;
  /**
   * Conditional update: writes `req` (with `version = expectedVersion + 1`) only when the stored
   * version is still `expectedVersion`. Returns false, changing nothing, when another writer won.
   */
  updateApproval(req: ApprovalRequest, expectedVersion: number): Promise<boolean>;
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  revokeApiKey(id: string, atIso: string): Promise<boolean>;
  /**
   * Replaces the secret of a live key in place (same id, so the same principal); the previous
   * secret stops matching at once. False, changing nothing, when the key is absent or revoked.
   */
  replaceApiKeySecret(id: string, secretHash: string): Promise<boolean>;
  insertCredential(c: StoredCredential): Promise<void>;
  /** Marks a single-use credential consumed; false when it already was. */
  consumeCredential(jti: string, approvalId: string, atIso: string): Promise<boolean>;
  /**
   * Stores the version of (project, specHash): inserted when new, replaced (version, registeredAt,
   * registeredBy) when the version differs. True when it wrote; false, changing nothing, when the
   * same version is already stored (a concurrent identical registration also reads false).
   */
  registerPipelineVersion(v: PipelineVersion): Promise<boolean>;
  /** Stores a signed checkpoint; false when one of that size already exists. */
  insertCheckpoint(c: StoredCheckpoint): Promise<boolean>;
  /** Stores a witness cosignature; false when that witness's one for that size exists. */
  insertCosignature(c: StoredCosignature): Promise<boolean>;
  /**
   * Appends one audit event to the log's pending sequence in this transaction: it commits or
   * rolls back with the state change. Its log index is assigned when it is integrated into the
   * tree (SQLite: by the same commit; PostgreSQL: shortly after, see `integrateAudit`).
   */
  appendAudit(event: AuditEvent): Promise<void>;
  /**
   * Tells every replica, on COMMIT only, that this request changed (PostgreSQL: NOTIFY). Absent
   * where one process is the only writer (SQLite): the in-process event bus is enough there.
   */
  notifyApprovalChanged?(approval: ApprovalRequest, event: string): Promise<void>;
}

export interface Store extends StoreReader, OutboxStore {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Appends one audit event with no other write beside it, as durably as a transaction would
   * (for an answer that changes nothing but the log, such as a gate check). PostgreSQL commits the
   * one statement on its own, sparing the round trips of BEGIN and COMMIT.
   */
  appendAudit(event: AuditEvent): Promise<void>;
  touchApiKey(id: string, atIso: string): Promise<void>;
  /**
   * Resolves once every audit event committed before the call is integrated into the tree (in
   * `listAuditEvents`, the head, nodes and rows), integrating them itself if need be. Rejects with
   * `audit_not_integrated` when that cannot happen in time.
   */
  integrateAudit(): Promise<void>;
  /**
   * Workers that read the audit log's chunks themselves for full verification (a SQLite file);
   * absent or null: verification reads through the store.
   */
  auditChunkReader?(): ChunkReaderWorker | null;
  /**
   * Seconds this process has spent inside the section that serialises the whole deployment, and
   * how many times it entered it: SQLite, the group commit's write transactions (one writer);
   * PostgreSQL, the audit integrator's batches while holding its advisory lock. `units` is what
   * those entries carried (SQLite: transactions; PostgreSQL: events integrated). Per process.
   */
  serialisedSection(): { seconds: number; entries: number; units: number };
  /** Deployment-wide counts for metrics (committed data only). */
  opsStats(): Promise<OpsStats>;
  close(): Promise<void>;
}
