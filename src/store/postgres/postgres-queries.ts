/**
 * The SQL store on PostgreSQL, bound to the pool (reads outside transactions) or to one
 * checked-out client inside BEGIN … COMMIT (`inTransaction`), where reads of an approval lock its
 * row so read-check-update sequences of concurrent reviewers run one after another, creators of
 * the same action are serialised by an advisory lock, and changes are announced by NOTIFY.
 */
import type { SqlRunner } from '../sql/dialect.js';
import { SqlQueries } from '../sql/queries.js';
import { encodeApprovalNotice } from './postgres-listener.js';
import { POSTGRES_DIALECT, PostgresRunner } from './postgres-runner.js';
import type { Queryable } from './postgres-sql.js';
import type { TransactionTail } from './transaction-tail.js';

/** Namespace (first key) of the per-action-hash advisory locks taken by idempotent creation. */
const PENDING_ACTION_LOCK_SPACE = 0x4353_0001;

/** Queries on the pool: committed data only, no locks. */
export function postgresReadQueries(db: Queryable): SqlQueries {
  return new SqlQueries(new PostgresRunner(db), POSTGRES_DIALECT);
}

/**
 * Queries on one transaction's client. Its audit events and NOTIFYs are held by `tail`, which
 * the store writes in one statement before COMMIT.
 */
export function postgresTxQueries(db: Queryable, tail: TransactionTail): SqlQueries {
  return new SqlQueries(new PostgresRunner(db), POSTGRES_DIALECT, {
    approvalRowLock: ' FOR UPDATE',
    beforeFindPending: async (tx: SqlRunner, actionHash: string) => {
      // A missing row cannot be locked: serialise creators of the same action instead, so the
      // second one (any replica) sees the first one's committed request instead of hitting the
      // unique index. Released at COMMIT/ROLLBACK.
      await tx.get('SELECT pg_advisory_xact_lock(?, hashtext(?))', [
        PENDING_ACTION_LOCK_SPACE,
        actionHash,
      ]);
    },
    sequenceAudit: (event) => tail.appendAudit(event),
    // delivered by PostgreSQL to every listener only if this transaction commits
    notifyApprovalChanged: (approval, event) =>
      tail.notify(encodeApprovalNotice({ id: approval.id, version: approval.version, event })),
  });
}
