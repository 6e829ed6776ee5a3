/**
 * The outbox statements both adapters share. How a claim locks and leases its rows differs
 * (SQLite: inside the single writer's transaction; PostgreSQL: `FOR UPDATE SKIP LOCKED`), so each
 * adapter brings that step (`LeaseRows`) to the claim written here.
 */
import {
  assertClaimLimit,
  claimedFromRow,
  DELIVERY_INSERT_SQL_COLUMNS,
  deliveryFromRow,
  leaseUntil,
  newLeaseToken,
  type DeliveryRow,
} from '../outbox-rows.js';
import type {
  ClaimedDelivery,
  DeliveryAttemptUpdate,
  DeliveryClaimScope,
  DeliveryRecord,
  NewDelivery,
} from '../outbox-types.js';
import { marks, type SqlRunner } from './dialect.js';

export async function enqueueDeliveries(
  db: SqlRunner,
  rows: readonly NewDelivery[],
): Promise<number> {
  let inserted = 0;
  for (const r of rows) {
    inserted += await db.run(
      `INSERT INTO deliveries (${DELIVERY_INSERT_SQL_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, '[]', ?, ?)
       ON CONFLICT (provider, message_id) DO NOTHING`,
      [
        r.id,
        r.approvalId,
        r.provider,
        r.event,
        r.messageId,
        r.payload,
        r.nextAttemptAt,
        r.createdAt,
        r.createdAt,
      ],
    );
  }
  return inserted;
}

export async function recordDeliveryAttempt(
  db: SqlRunner,
  u: DeliveryAttemptUpdate,
): Promise<boolean> {
  const changed = await db.run(
    `UPDATE deliveries SET status = ?, attempts = ?, timings = ?, next_attempt_at = ?,
       last_error = ?, response_status = ?, target = ?, updated_at = ?,
       lease_token = NULL, lease_until = NULL
     WHERE id = ? AND lease_token = ?`,
    [
      u.status,
      u.attempts,
      JSON.stringify(u.timings),
      u.nextAttemptAt,
      u.lastError,
      u.responseStatus,
      u.target,
      u.atIso,
      u.id,
      u.leaseToken,
    ],
  );
  return changed === 1;
}

/** What one claim takes: the rows matching `where` (with `args`), at most `limit`. */
export interface DeliveryClaim {
  where: string;
  args: unknown[];
  limit: number;
  nowIso: string;
  /** The lease written on every row taken. */
  token: string;
  until: string;
}

/** Leases the rows of a claim and returns them, leased, by next attempt then id. */
export type LeaseRows = (db: SqlRunner, claim: DeliveryClaim) => Promise<DeliveryRow[]>;

/**
 * Claims deliveries at `nowIso`: unleased (or lease run out) and due, or, with `only`, every
 * retryable one of that request (and those providers; none named: nothing to claim).
 */
export async function claimDeliveries(
  db: SqlRunner,
  lease: LeaseRows,
  nowIso: string,
  limit: number,
  leaseMs: number,
  only?: DeliveryClaimScope,
): Promise<ClaimedDelivery[]> {
  assertClaimLimit(limit);
  const until = leaseUntil(nowIso, leaseMs);
  const where = ['(lease_until IS NULL OR lease_until <= ?)'];
  const args: unknown[] = [nowIso];
  if (only) {
    where.push("approval_id = ? AND status IN ('pending', 'failed', 'dead')");
    args.push(only.approvalId);
    if (only.providers) {
      if (only.providers.length === 0) return [];
      where.push(`provider IN (${marks(only.providers.length)})`);
      args.push(...only.providers);
    }
  } else {
    where.push("status IN ('pending', 'failed') AND next_attempt_at <= ?");
    args.push(nowIso);
  }
  const rows = await lease(db, {
    where: where.join(' AND '),
    args,
    limit,
    nowIso,
    token: newLeaseToken(),
    until,
  });
  return rows.map(claimedFromRow);
}

export async function listDeliveries(db: SqlRunner, approvalId: string): Promise<DeliveryRecord[]> {
  const rows = await db.all<DeliveryRow>(
    'SELECT * FROM deliveries WHERE approval_id = ? ORDER BY created_at, id',
    [approvalId],
  );
  return rows.map(deliveryFromRow);
}
