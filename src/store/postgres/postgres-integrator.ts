/**
 * The audit integrator on PostgreSQL (see ../audit-append.ts): whichever replica holds the
 * integrator's advisory lock moves committed pending rows into the Merkle tree, in batches,
 * inside one transaction per batch. Request transactions never take that lock: they only append
 * to `audit_pending`. A replica wakes its integrator after each of its own commits that appended
 * an event and polls for the rest (other replicas, a replica that died after committing, the
 * CLI). A wake-up does not queue for the lock: when another replica holds it, this one looks again
 * a moment later, so replicas do not take turns committing batches of one event each; batches grow
 * with load instead. Readers that need the tree up to date integrate first (`flush`), waiting at
 * most `flushTimeoutMs` for the lock.
 */
import type pg from 'pg';
import { ServiceError } from '../../errors/index.js';
import { integratePendingAudit } from '../audit-append.js';
import { postgresIntegrateIo } from './postgres-audit.js';

/**
 * Namespace (first key) of the advisory lock held by the one integrating transaction of a
 * deployment; the second key is the hash of the schema, so deployments sharing a database in
 * different schemas integrate independently.
 */
export const INTEGRATOR_LOCK_SPACE = 0x4353_0002;
const BATCH = 1000;
/** At most this many batches per wake-up or flush: the loop is bounded, the poll continues. */
const MAX_ROUNDS = 1000;
/** After a wake-up found the lock taken: look again this much later, at most this many times. */
const BUSY_RETRY_MS = 10;
const BUSY_RETRIES = 100;
/** lock_not_available: the lock wait ran past lock_timeout. */
const LOCK_TIMEOUT_SQLSTATE = '55P03';

export interface IntegratorOptions {
  /** How often to look for pending rows nobody woke us for. */
  pollMs: number;
  /**
   * The least time from the start of one woken run to the start of the next, while wake-ups keep
   * coming: under load the events of that interval go in one batch (one transaction of about six
   * statements) instead of a batch per few events. The first wake-up after a quiet spell runs at
   * once; readers never wait for it (they flush).
   */
  minIntervalMs?: number;
  /** How long a reader waits for the integrator's lock before `audit_not_integrated`. */
  flushTimeoutMs: number;
}

type InTransaction = <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

export class PostgresAuditIntegrator {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private rounds = 0;
  private integrated = 0;
  private lockedSeconds = 0;
  private busyRetries = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** A run asked for while one was going, due once the interval since that one's start is up. */
  private pauseTimer: NodeJS.Timeout | undefined;
  private lastStart = -Infinity;

  constructor(
    private readonly pool: pg.Pool,
    private readonly inTransaction: InTransaction,
    private readonly opts: IntegratorOptions,
  ) {}

  /** Batches committed, events integrated and seconds holding the lock, by this replica. */
  get stats(): { rounds: number; integrated: number; lockedSeconds: number } {
    return { rounds: this.rounds, integrated: this.integrated, lockedSeconds: this.lockedSeconds };
  }

  /** Starts the poll (idempotent; the timer never keeps the process alive). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
    this.timer.unref();
  }

  /** Integrates soon in the background; wake-ups while a run is going coalesce into one more. */
  wake(): void {
    if (this.stopped) return;
    // another replica holds the lock and a look is already due: every commit meanwhile would
    // only ask again for a lock that is taken (round trips spent on nothing)
    if (this.retryTimer || this.pauseTimer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastStart + (this.opts.minIntervalMs ?? 0) - performance.now();
    if (wait > 0) {
      this.pauseTimer = setTimeout(() => {
        this.pauseTimer = undefined;
        this.wake();
      }, wait);
      this.pauseTimer.unref();
      return;
    }
    this.lastStart = performance.now();
    this.running = this.drain(null)
      .then((outcome) => {
        if (outcome !== 'busy') {
          this.busyRetries = 0;
          return;
        }
        // the holder may have read the pending rows before ours committed: look again soon
        if (this.busyRetries++ < BUSY_RETRIES && !this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.wake();
          }, BUSY_RETRY_MS);
          this.retryTimer.unref();
        }
      })
      .catch(() => undefined) // a failed batch rolled back: the rows stay pending for the next
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Resolves once every row committed before the call is integrated, integrating them here if
   * need be. `audit_not_integrated` when the lock is not free within `flushTimeoutMs`.
   */
  async flush(): Promise<void> {
    if (!(await this.anyPending())) return;
    try {
      await this.drain(this.opts.flushTimeoutMs);
    } catch (err) {
      if ((err as { code?: unknown }).code === LOCK_TIMEOUT_SQLSTATE) {
        throw new ServiceError(
          'audit_not_integrated',
          'committed audit events are not integrated into the log yet; try again',
          { cause: err },
        );
      }
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.timer = undefined;
    this.retryTimer = undefined;
    this.pauseTimer = undefined;
    await this.running;
  }

  private async poll(): Promise<void> {
    if (this.running || this.stopped) return;
    try {
      if (await this.anyPending()) this.wake();
    } catch {
      // the database is away; the next tick looks again
    }
  }

  private async lockLooksFree(): Promise<boolean> {
    const { rows } = await this.pool.query<{ got: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema())) AS got',
      [INTEGRATOR_LOCK_SPACE],
    );
    return rows[0]?.got === true;
  }

  private async anyPending(): Promise<boolean> {
    const { rows } = await this.pool.query<{ p: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM audit_pending) AS p',
    );
    return rows[0]?.p === true;
  }

  /**
   * Batches until a batch comes back short (nothing more committed), within MAX_ROUNDS. With a
   * `lockTimeoutMs`, each batch waits that long for the lock; with null it only tries, and
   * answers 'busy' when another transaction holds it.
   */
  private async drain(lockTimeoutMs: number | null): Promise<'done' | 'busy'> {
    for (let i = 0; i < MAX_ROUNDS; i++) {
      // only trying: a lock another transaction holds is seen in one statement, without opening
      // a transaction (a free lock taken here is released with the statement's own)
      if (lockTimeoutMs === null && !(await this.lockLooksFree())) return 'busy';
      let locked = 0;
      const n = await this.inTransaction(async (client) => {
        if (lockTimeoutMs === null) {
          const { rows } = await client.query<{ got: boolean }>(
            'SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema())) AS got',
            [INTEGRATOR_LOCK_SPACE],
          );
          if (rows[0]?.got !== true) return null;
        } else {
          // the wait bound is set (for this transaction) before the lock is asked for, in one trip
          await client.query(
            `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))
               FROM (SELECT set_config('lock_timeout', $2, true)) AS bound`,
            [INTEGRATOR_LOCK_SPACE, String(Math.max(1, Math.floor(lockTimeoutMs)))],
          );
        }
        locked = performance.now();
        return integratePendingAudit(postgresIntegrateIo(client), BATCH);
      });
      if (n === null) return 'busy';
      // held from the lock to the end of COMMIT (the lock is released by it)
      this.lockedSeconds += (performance.now() - locked) / 1000;
      this.rounds++;
      this.integrated += n;
      if (n < BATCH) return 'done';
    }
    return 'done';
  }
}
