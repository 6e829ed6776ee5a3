/**
 * PostgreSQL adapter of the Store port (pg). Any number of replicas share one database:
 * a transaction is one pooled client between BEGIN and COMMIT; approvals read inside it are
 * row-locked, audit events are appended to a pending sequence (no shared lock) and integrated
 * into the tree by whichever replica holds the integrator's advisory lock, and migrations run
 * once under an advisory lock. Reads outside transactions go to the pool and see committed data only.
 */
import pg from 'pg';
import { ServiceError } from '../../errors/index.js';
import { runMigrations } from '../sql/migrate.js';
import { StoreReads } from '../store-reads.js';
import type { ApiKeyRecord, Store, StoreReader, StoreTx } from '../port.js';
import { postgresReadQueries, postgresTxQueries } from './postgres-queries.js';
import { TransactionTail } from './transaction-tail.js';
import { PostgresRunner } from './postgres-runner.js';
import { parseInt8, type Queryable } from './postgres-sql.js';
import type { SqlQueries } from '../sql/queries.js';
import { touchApiKey } from '../sql/queries.js';
import { claimDeliveries, listDeliveries } from '../sql/outbox.js';
import type { ClaimedDelivery, DeliveryClaimScope, DeliveryRecord } from '../outbox-types.js';
import { leasePostgresDeliveries } from './postgres-outbox.js';
import { asUnavailable } from './postgres-errors.js';
import type { AuditEvent } from '../../domain/audit-event.js';
import { LoneAuditAppends } from '../audit-append.js';
import { apiKeyReads, type ApiKeyReads } from '../api-key-reads.js';
import { InFlightLimit } from '../in-flight-limit.js';
import { readOpsStats, type OpsStats } from '../ops-stats.js';
import { PostgresAuditIntegrator } from './postgres-integrator.js';
import { insertPendingPostgres } from './postgres-audit.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db`; its credentials never appear in an error we raise. */
  url: string;
  pool?: { max?: number; idleTimeoutMs?: number };
  /** Schema to work in (set as the connection's search_path); it must already exist. */
  schema?: string;
  /** Audit integration: poll interval and how long a reader waits to integrate (ms). */
  audit?: { pollMs?: number; flushTimeoutMs?: number; minIntervalMs?: number };
}

/** Under load, integration batches start at most this often per replica (see the integrator). */
const INTEGRATION_INTERVAL_MS = 10;

/** Key of the advisory lock that makes concurrent replicas run migrations once. */
const MIGRATION_LOCK_KEY = 0x4353_4d49; // "CSMI"
const SCHEMA_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresStore extends StoreReads implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly poolRunner: PostgresRunner;
  private readonly loneAppends: LoneAuditAppends;
  private readonly readQueries: SqlQueries;
  private readonly integrator: PostgresAuditIntegrator;
  private readonly apiKeys: ApiKeyReads;
  private closed = false;

  constructor(opts: PostgresStoreOptions) {
    super();
    if (opts.schema !== undefined && !SCHEMA_NAME_RE.test(opts.schema)) {
      throw new TypeError('schema must be a lower-case SQL identifier');
    }
    // Per-pool type parsers: BIGINT as a JS number here without changing pg's process-wide defaults.
    const types = new pg.TypeOverrides();
    types.setTypeParser(pg.types.builtins.INT8, parseInt8);
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.pool?.max ?? 10,
      idleTimeoutMillis: opts.pool?.idleTimeoutMs ?? 30_000,
      types,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client losing its connection emits here; without a listener it would crash the
    // process. The pool drops that client and the next checkout opens a fresh one.
    this.pool.on('error', () => undefined);
    // reads outside transactions: a lost database is a 503 to retry there too
    const pool = this.pool;
    this.readQueries = postgresReadQueries({
      query: ((statement: string | pg.QueryConfig, values?: unknown[]) =>
        pool.query(statement as string, values).catch((err: unknown) => {
          throw asUnavailable(err);
        })) as Queryable['query'],
    });
    this.poolRunner = new PostgresRunner(this.pool);
    // key reads that arrive together share a statement, at most two at a time (api-key-reads.ts)
    this.apiKeys = apiKeyReads(async (ids) => {
      // a batch that starts after close() is refused like any other read
      this.assertOpen();
      return this.readQueries.getApiKeys(ids);
    }, new InFlightLimit(2));
    this.loneAppends = new LoneAuditAppends((rows) => insertPendingPostgres(this.pool, rows));
    this.integrator = new PostgresAuditIntegrator(this.pool, (fn) => this.inTransaction(fn), {
      pollMs: opts.audit?.pollMs ?? 1000,
      flushTimeoutMs: opts.audit?.flushTimeoutMs ?? 5000,
      minIntervalMs: opts.audit?.minIntervalMs ?? INTEGRATION_INTERVAL_MS,
    });
  }

  /** Batches integrated and events integrated by this replica's integrator. */
  get integratorStats(): { rounds: number; integrated: number; lockedSeconds: number } {
    return this.integrator.stats;
  }

  serialisedSection(): { seconds: number; entries: number; units: number } {
    const s = this.integrator.stats;
    return { seconds: s.lockedSeconds, entries: s.rounds, units: s.integrated };
  }

  async migrate(): Promise<void> {
    await this.inTransaction(async (client) => {
      // Held until COMMIT: a second replica starting now waits, then finds nothing to apply.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await runMigrations(new PostgresRunner(client), async (m, record) => {
        await client.query(m.postgres);
        await record();
      });
    });
    this.integrator.start();
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const tail = new TransactionTail();
    const result = await this.inTransaction(async (client) => {
      const value = await fn(postgresTxQueries(client, tail));
      await tail.write(client);
      return value;
    });
    // the transaction appended audit events: the integrator takes them soon
    if (tail.appendedAudit) {
      this.integrator.start();
      this.integrator.wake();
    }
    return result;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    this.assertOpen();
    // lone events of one event-loop turn: one multi-row statement, committed on its own (no
    // BEGIN and COMMIT round trips)
    await this.loneAppends.append(event);
    this.integrator.start();
    this.integrator.wake();
  }

  async integrateAudit(): Promise<void> {
    this.assertOpen();
    await this.integrator.flush();
  }

  async claimDueDeliveries(
    nowIso: string,
    limit: number,
    leaseMs: number,
    only?: DeliveryClaimScope,
  ): Promise<ClaimedDelivery[]> {
    this.assertOpen();
    return claimDeliveries(this.poolRunner, leasePostgresDeliveries, nowIso, limit, leaseMs, only);
  }

  async listDeliveries(approvalId: string): Promise<DeliveryRecord[]> {
    this.assertOpen();
    return listDeliveries(this.poolRunner, approvalId);
  }

  async opsStats(): Promise<OpsStats> {
    this.assertOpen();
    return readOpsStats((sql) => this.poolRunner.all<Record<string, unknown>>(sql));
  }

  override async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    this.assertOpen();
    await this.beforeRead();
    return this.apiKeys.load(id);
  }

  async touchApiKey(id: string, atIso: string): Promise<void> {
    this.assertOpen();
    await touchApiKey(this.poolRunner, id, atIso);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // lone audit appends already accepted are written before the pool goes
    await this.loneAppends.drained();
    // a batch in flight finishes (or rolls back); pending rows stay for any other replica
    await this.integrator.stop();
    await this.pool.end();
  }

  /** One pooled client from BEGIN to COMMIT, or ROLLBACK when `fn` throws; always released. */
  private async inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    const client = await this.pool.connect().catch((err: unknown) => {
      throw asUnavailable(err);
    });
    // set when the connection cannot be trusted any more: release() then destroys it
    let broken: Error | undefined;
    // The session can die while checked out (failover, restart, terminated backend): pg then emits
    // 'error' on the client, which would crash the process without a listener; the pending or
    // next query fails on its own, and release() destroys the connection.
    const onLost = (err: Error) => {
      broken = err;
    };
    client.on('error', onLost);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error('rollback failed');
      }
      // PostgreSQL restarting or failing over: a 503 to retry, not a 500
      throw asUnavailable(err);
    } finally {
      client.off('error', onLost);
      client.release(broken);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ServiceError('internal', 'store is closed');
  }

  // Reads outside transactions go to the pool (a closed store rejects).
  protected get reads(): StoreReader {
    this.assertOpen();
    return this.readQueries;
  }
}
