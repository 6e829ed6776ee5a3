/**
 * SQLite adapter of the Store port (better-sqlite3, WAL; an acknowledged write survives a power
 * cut: its WAL frames are fsynced before it is answered, see wal-sync.ts). One writer connection runs transactions one at a time (SQLite has
 * one writer anyway) and commits those that arrive together in one group commit, so one fsync
 * covers many of them; a second, read-only connection serves reads outside transactions so they
 * never see uncommitted work.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditEvent } from '../../domain/audit-event.js';
import type { ChunkReaderWorker } from '../../audit/verify-parallel.js';
import { ServiceError } from '../../errors/index.js';
import { runMigrations } from '../sql/migrate.js';
import { StoreReads } from '../store-reads.js';
import type { ApiKeyRecord, Store, StoreReader, StoreTx } from '../port.js';
import { Mutex } from '../mutex.js';
import { GroupCommit, type GroupCommitStats } from './group-commit.js';
import { WalCheckpointer } from './wal-checkpoint.js';
import { WalSync } from './wal-sync.js';
import type { FileHandle } from 'node:fs/promises';
import { sqliteAuditIntegrator } from './sqlite-audit-integrate.js';
import { TransactionAudit } from './transaction-audit.js';
import { readOpsStats, type OpsStats } from '../ops-stats.js';
import { SqlQueries, touchApiKey } from '../sql/queries.js';
import { claimDeliveries, listDeliveries } from '../sql/outbox.js';
import type { ClaimedDelivery, DeliveryClaimScope, DeliveryRecord } from '../outbox-types.js';
import { leaseSqliteDeliveries } from './sqlite-outbox.js';
import { SQLITE_DIALECT, SqliteRunner } from './sqlite-runner.js';
import { apiKeyReads } from '../api-key-reads.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (tests only: no separate reader). */
  path: string;
  /** busy_timeout in ms for the rare case another process holds the write lock. */
  busyTimeoutMs?: number;
  /** How the WAL file is synced before a commit is answered (fault injection; default fsync). */
  syncWal?: (file: FileHandle) => Promise<void>;
}

export class SqliteStore extends StoreReads implements Store {
  readonly kind = 'sqlite' as const;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly mutex = new Mutex();
  private readonly group: GroupCommit;
  private readonly readRunner: SqliteRunner;
  private readonly writeRunner: SqliteRunner;
  private readonly readQueries: SqlQueries;
  private readonly writeQueries: SqlQueries;
  private readonly wal: WalSync | null;
  private readonly checkpointer: WalCheckpointer | null;
  private closed = false;
  /** Key reads of one turn share one read transaction (api-key-reads.ts). */
  private readonly apiKeys = apiKeyReads((ids) => {
    if (this.closed) throw new ServiceError('internal', 'store is closed');
    return this.readQueries.getApiKeys(ids);
  });

  private readonly path: string;

  constructor(opts: SqliteStoreOptions) {
    super();
    this.path = opts.path;
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.writer = new Database(opts.path);
    const journal = String(this.writer.pragma('journal_mode = WAL', { simple: true }));
    // WAL frames are appended at COMMIT and synced before anyone is answered (wal-sync.ts): the
    // durability of synchronous = FULL, with the fsync off the event loop. Where WAL cannot be
    // used (a file system without shared memory), SQLite keeps its rollback journal: then
    // synchronous = FULL syncs inside COMMIT, as before.
    const walFile = opts.path !== ':memory:' && journal === 'wal';
    this.writer.pragma(walFile ? 'synchronous = NORMAL' : 'synchronous = FULL');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    this.reader =
      opts.path === ':memory:' ? this.writer : new Database(opts.path, { readonly: false });
    if (this.reader !== this.writer) {
      this.reader.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
      this.reader.pragma('query_only = ON');
    }
    this.writeRunner = new SqliteRunner(this.writer);
    this.readRunner =
      this.reader === this.writer ? this.writeRunner : new SqliteRunner(this.reader);
    // the writer's transactions hold their audit events until COMMIT integrates them
    const ownAudit = new TransactionAudit();
    this.writeQueries = new SqlQueries(this.writeRunner, SQLITE_DIALECT, {
      sequenceAudit: (event) => ownAudit.append(event),
    });
    this.readQueries = new SqlQueries(this.readRunner, SQLITE_DIALECT);
    this.wal = walFile ? new WalSync(opts.path, opts.syncWal) : null;
    // checkpoints on a worker thread instead of inside the COMMIT that crosses 1,000 pages
    if (walFile) this.writer.pragma('wal_autocheckpoint = 0');
    const checkpointer = walFile
      ? new WalCheckpointer(opts.path, this.mutex, () => {
          if (this.writer.open) this.writer.pragma('wal_autocheckpoint = 1000');
        })
      : null;
    this.checkpointer = checkpointer;
    this.group = new GroupCommit(this.writer, this.mutex, {
      beforeCommit: sqliteAuditIntegrator(this.writer, ownAudit),
      ...(this.wal ? { durability: this.wal } : {}),
      ...(checkpointer ? { afterCommit: () => checkpointer.afterCommit() } : {}),
      state: ownAudit,
    });
  }

  /** How many write transactions were committed for how many units of work. */
  get groupCommitStats(): GroupCommitStats {
    return this.group.stats;
  }

  /** fsyncs of the WAL so far (each covers every commit before it). */
  get walSyncs(): number {
    return this.wal?.syncCount ?? 0;
  }

  /** The WAL checkpointer (file stores in WAL mode), for tests. */
  get walCheckpointer(): WalCheckpointer | null {
    return this.checkpointer;
  }

  /** The underlying writer connection, for tests that need to reach the real file. */
  get database(): Database.Database {
    return this.writer;
  }

  async migrate(): Promise<void> {
    await this.mutex.run(() =>
      runMigrations(this.writeRunner, async (m, record) => {
        // one transaction per migration, as better-sqlite3's transaction() would run it
        this.writer.exec('BEGIN');
        try {
          this.writer.exec(m.sqlite);
          await record();
          this.writer.exec('COMMIT');
        } catch (err) {
          if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
          throw err;
        }
      }),
    );
    if (this.wal) await this.wal.durable(this.wal.markCommitted());
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.closed) throw new ServiceError('internal', 'store is closed');
    return this.group.submit(() => fn(this.writeQueries));
  }

  auditChunkReader(): ChunkReaderWorker | null {
    if (this.path === ':memory:') return null;
    return {
      url: new URL('./audit-verify-worker.js', import.meta.url),
      workerData: { path: this.path },
    };
  }

  appendAudit(event: AuditEvent): Promise<void> {
    return this.transaction((tx) => tx.appendAudit(event));
  }

  serialisedSection(): { seconds: number; entries: number; units: number } {
    const s = this.group.stats;
    return { seconds: s.busySeconds, entries: s.commits, units: s.units };
  }

  /**
   * Every audit event is integrated by the commit that acknowledges it, so there is normally
   * nothing to do (and nothing is written: a read-only copy of the file still verifies). Rows
   * left pending by another writer of the file are integrated by one empty group commit.
   */
  async integrateAudit(): Promise<void> {
    if (this.closed) throw new ServiceError('internal', 'store is closed');
    const row = this.reader.prepare('SELECT EXISTS (SELECT 1 FROM audit_pending) AS p').get() as {
      p: number;
    };
    if (row.p === 1) await this.transaction(async () => undefined);
  }

  claimDueDeliveries(
    nowIso: string,
    limit: number,
    leaseMs: number,
    only?: DeliveryClaimScope,
  ): Promise<ClaimedDelivery[]> {
    return this.transaction(async () =>
      claimDeliveries(this.writeRunner, leaseSqliteDeliveries, nowIso, limit, leaseMs, only),
    );
  }

  async listDeliveries(approvalId: string): Promise<DeliveryRecord[]> {
    await this.beforeRead();
    return listDeliveries(this.readRunner, approvalId);
  }

  async opsStats(): Promise<OpsStats> {
    return readOpsStats((sql) => this.readRunner.all<Record<string, unknown>>(sql));
  }

  async touchApiKey(id: string, atIso: string): Promise<void> {
    await this.mutex.run(async () => {
      await touchApiKey(this.writeRunner, id, atIso);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // work accepted before close still commits (no new work is accepted now)
    await this.group.drained();
    await this.checkpointer?.close();
    await this.wal?.close();
    await this.mutex.run(async () => {
      if (this.reader !== this.writer) this.reader.close();
      this.writer.close();
    });
  }

  // Reads outside transactions go to the reader connection, and show only what is on disk: a
  // commit still waiting for its fsync is not shown to anyone before its own writer is answered.
  protected get reads(): StoreReader {
    return this.readQueries;
  }

  override async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    await this.beforeRead();
    return this.apiKeys.load(id);
  }

  protected override async beforeRead(): Promise<void> {
    await this.wal?.caughtUp();
  }
}

export type { AuditEvent };
