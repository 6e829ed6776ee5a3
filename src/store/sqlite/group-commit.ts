/**
 * Group commit for the SQLite writer: units of work that arrive while a commit is in flight
 * wait in a queue, then run one after another inside one `BEGIN IMMEDIATE … COMMIT`, each
 * under its own SAVEPOINT. A unit that throws rolls back to its savepoint (its writes, its audit
 * event and its head update go together) and rejects; the others go on. Every unit is settled
 * only once the shared COMMIT is durable: one fsync of the WAL (wal-sync.ts, off the main thread)
 * makes the whole batch durable, and nobody is told "done" for work a power cut could still take
 * away. The next batch runs while that fsync is in flight.
 */
import type Database from 'better-sqlite3';
import { ServiceError } from '../../errors/index.js';
import type { Mutex } from '../mutex.js';

interface Unit {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitStats {
  /** Transactions committed (batches). */
  commits: number;
  /** Units of work acknowledged after those commits. */
  units: number;
  /** Seconds spent running batches (the writer is the deployment's one serialised section). */
  busySeconds: number;
}

/** Makes commits durable: numbered as they return, waited for before anyone is answered. */
export interface CommitDurability {
  markCommitted(): number;
  durable(n: number): Promise<void>;
}

/**
 * State kept beside the open transaction that must follow its savepoints (the transaction's
 * audit events): marked as each unit starts, rolled back with the unit or the transaction.
 */
export interface SavepointState {
  mark(): number;
  rollbackTo(mark: number): void;
}

const NO_STATE: SavepointState = { mark: () => 0, rollbackTo: () => undefined };

/** In memory there is nothing to sync: a commit is as durable as it gets when it returns. */
const IMMEDIATE: CommitDurability = { markCommitted: () => 0, durable: async () => undefined };

/** The transaction control statements of a batch, prepared once (exec would parse each one). */
function controlStatements(db: Database.Database) {
  const of = (sql: string) => {
    const stmt = db.prepare(sql);
    return () => void stmt.run();
  };
  return {
    begin: of('BEGIN IMMEDIATE'),
    savepoint: of('SAVEPOINT unit'),
    release: of('RELEASE unit'),
    rollbackTo: of('ROLLBACK TO unit'),
    commit: of('COMMIT'),
  };
}

export interface GroupCommitOptions {
  /** Runs inside each batch's transaction after its units, before COMMIT; a throw fails all. */
  beforeCommit?: () => Promise<unknown>;
  /** What makes a COMMIT durable before its units are answered (default: nothing to sync). */
  durability?: CommitDurability;
  /** Told after each COMMIT, with the writer still held (the WAL checkpointer). */
  afterCommit?: () => void;
  /** The most units in one transaction, bounding how long one batch keeps the writer (128). */
  maxBatch?: number;
  /** Rolled back with each unit's savepoint and with the transaction. */
  state?: SavepointState;
}

export class GroupCommit {
  private readonly queue: Unit[] = [];
  private control: ReturnType<typeof controlStatements> | null = null;
  private scheduled = false;
  private readonly counters: GroupCommitStats = { commits: 0, units: 0, busySeconds: 0 };

  private readonly beforeCommit: () => Promise<unknown>;
  private readonly durability: CommitDurability;
  private readonly afterCommit: () => void;
  private readonly maxBatch: number;
  private readonly state: SavepointState;

  constructor(
    private readonly db: Database.Database,
    /** The writer's mutex, shared with the store's other exclusive work (migrate, close). */
    private readonly mutex: Mutex,
    opts: GroupCommitOptions = {},
  ) {
    this.beforeCommit = opts.beforeCommit ?? (async () => undefined);
    this.durability = opts.durability ?? IMMEDIATE;
    this.afterCommit = opts.afterCommit ?? (() => undefined);
    this.maxBatch = opts.maxBatch ?? 128;
    this.state = opts.state ?? NO_STATE;
  }

  get stats(): GroupCommitStats {
    return { ...this.counters };
  }

  /** Resolves once every unit submitted so far has been settled. */
  async drained(): Promise<void> {
    while (this.scheduled || this.queue.length > 0) {
      // a scheduled batch starts on the next turn (setImmediate): let it, then wait for it
      await new Promise((r) => setImmediate(r));
      await this.mutex.run(async () => undefined);
    }
  }

  /** Runs `fn` inside a shared write transaction; settles after that transaction's COMMIT. */
  submit<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: fn, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // a batch starts once this turn of the event loop's I/O has been taken in, so every unit
    // that arrived in it shares the commit (fewer, larger commits: fewer WAL pages written)
    setImmediate(() => {
      void this.mutex
        .run(async () => {
          const started = performance.now();
          try {
            await this.runBatch(this.queue.splice(0, this.maxBatch));
          } finally {
            this.counters.busySeconds += (performance.now() - started) / 1000;
          }
        })
        .finally(() => {
          this.scheduled = false;
          this.schedule();
        });
    });
  }

  private async runBatch(units: Unit[]): Promise<void> {
    if (!this.db.open) {
      for (const u of units) u.reject(new ServiceError('internal', 'store is closed'));
      return;
    }
    const sql = (this.control ??= controlStatements(this.db));
    // units that ran to completion in the open transaction, waiting for its COMMIT
    let done: { unit: Unit; value: unknown }[] = [];
    // where the state stood when the open transaction began
    let begun = this.state.mark();
    const loseDone = (err: unknown) => {
      this.state.rollbackTo(begun);
      for (const d of done) d.unit.reject(err);
      done = [];
    };
    for (const unit of units) {
      try {
        if (!this.db.inTransaction) {
          sql.begin();
          begun = this.state.mark();
        }
        sql.savepoint();
      } catch (err) {
        unit.reject(err);
        continue;
      }
      const unitMark = this.state.mark();
      try {
        const value = await unit.run();
        sql.release();
        done.push({ unit, value });
      } catch (err) {
        unit.reject(err);
        this.state.rollbackTo(unitMark);
        if (this.db.inTransaction) {
          try {
            sql.rollbackTo();
            sql.release();
          } catch (undoErr) {
            // the savepoint cannot be undone: nothing in this transaction may be kept
            this.rollback();
            loseDone(undoErr);
          }
        } else {
          // SQLite ended the whole transaction itself (I/O error, disk full): the earlier
          // units' writes are gone with it, so they fail too; later units start a new one
          loseDone(err);
        }
      }
    }
    if (!this.db.inTransaction) return;
    try {
      if (done.length > 0) await this.beforeCommit();
      sql.commit();
    } catch (err) {
      this.rollback();
      loseDone(err);
      return;
    }
    this.counters.commits++;
    this.counters.units += done.length;
    this.afterCommit();
    // answered once on disk; the writer is free for the next batch meanwhile
    const settle = done;
    void this.durability.durable(this.durability.markCommitted()).then(
      () => {
        for (const d of settle) d.unit.resolve(d.value);
      },
      (err: unknown) => {
        for (const d of settle) d.unit.reject(err);
      },
    );
  }

  private rollback(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // the connection rolls back on its own when it cannot; nothing more to undo here
    }
  }
}
