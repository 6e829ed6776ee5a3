/**
 * The outbox statements both adapters share. How a claim locks and leases its rows differs
 * (SQLite: inside the single writer's transaction; PostgreSQL: `FOR UPDATE SKIP LOCKED`), so each
 * adapter writes its claim around the conditions built here.
 */
import { DELIVERY_INSERT_SQL_COLUMNS, deliveryFromRow, type DeliveryRow } from '../outbox-rows.js';
import type {
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

/**
 * Which deliveries a claim at `nowIso` may take: unleased (or lease run out) and due, or, with
 * `only`, every retryable one of that request (and those providers). Null when `only` names no
 * provider: nothing to claim.
 */
export function claimConditions(
  nowIso: string,
  only?: DeliveryClaimScope,
): { where: string; args: unknown[] } | null {
  const where = ['(lease_until IS NULL OR lease_until <= ?)'];
  const args: unknown[] = [nowIso];
  if (only) {
    where.push("approval_id = ? AND status IN ('pending', 'failed', 'dead')");
    args.push(only.approvalId);
    if (only.providers) {
      if (only.providers.length === 0) return null;
      where.push(`provider IN (${marks(only.providers.length)})`);
      args.push(...only.providers);
    }
  } else {
    where.push("status IN ('pending', 'failed') AND next_attempt_at <= ?");
    args.push(nowIso);
  }
  return { where: where.join(' AND '), args };
}

export async function listDeliveries(db: SqlRunner, approvalId: string): Promise<DeliveryRecord[]> {
  const rows = await db.all<DeliveryRow>(
    'SELECT * FROM deliveries WHERE approval_id = ? ORDER BY created_at, id',
    [approvalId],
  );
  return rows.map(deliveryFromRow);
}
