/**
 * The outbox on PostgreSQL. A claim is one statement that locks candidate rows with
 * `FOR UPDATE SKIP LOCKED` and leases them, so concurrent workers on any number of replicas
 * never receive the same row: one skips what another is claiming, and a leased row stays out of
 * reach until its lease runs out.
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
import { SqlParams, type Queryable } from './postgres-sql.js';

export async function enqueuePostgresDeliveries(
  db: Queryable,
  rows: readonly NewDelivery[],
): Promise<number> {
  let inserted = 0;
  for (const r of rows) {
    const res = await db.query(
      `INSERT INTO deliveries (${DELIVERY_INSERT_SQL_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, '[]', $8, $8)
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
      ],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

export async function recordPostgresDeliveryAttempt(
  db: Queryable,
  u: DeliveryAttemptUpdate,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE deliveries SET status = $1, attempts = $2, timings = $3, next_attempt_at = $4,
       last_error = $5, response_status = $6, target = $7, updated_at = $8,
       lease_token = NULL, lease_until = NULL
     WHERE id = $9 AND lease_token = $10`,
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
  return res.rowCount === 1;
}

export async function claimPostgresDeliveries(
  db: Queryable,
  nowIso: string,
  limit: number,
  leaseMs: number,
  only?: DeliveryClaimScope,
): Promise<ClaimedDelivery[]> {
  assertClaimLimit(limit);
  const p = new SqlParams();
  const now = p.add(nowIso);
  const where = [`(lease_until IS NULL OR lease_until <= ${now})`];
  if (only) {
    where.push(`approval_id = ${p.add(only.approvalId)}`);
    where.push("status IN ('pending', 'failed', 'dead')");
    if (only.providers) {
      if (only.providers.length === 0) return [];
      where.push(`provider = ANY(${p.add([...only.providers])}::text[])`);
    }
  } else {
    where.push("status IN ('pending', 'failed')");
    where.push(`next_attempt_at <= ${now}`);
  }
  const token = p.add(newLeaseToken());
  const until = p.add(leaseUntil(nowIso, leaseMs));
  const { rows } = await db.query<DeliveryRow>(
    `UPDATE deliveries SET lease_token = ${token}, lease_until = ${until}, updated_at = ${now}
     WHERE id IN (
       SELECT id FROM deliveries WHERE ${where.join(' AND ')}
       ORDER BY next_attempt_at, id LIMIT ${p.add(limit)}
       FOR UPDATE SKIP LOCKED
     )
     RETURNING *`,
    p.values,
  );
  return rows
    .map(claimedFromRow)
    .sort((a, b) =>
      (a.nextAttemptAt ?? '') === (b.nextAttemptAt ?? '')
        ? a.id.localeCompare(b.id)
        : (a.nextAttemptAt ?? '') < (b.nextAttemptAt ?? '')
          ? -1
          : 1,
    );
}

export async function listPostgresDeliveries(
  db: Queryable,
  approvalId: string,
): Promise<DeliveryRecord[]> {
  const { rows } = await db.query<DeliveryRow>(
    'SELECT * FROM deliveries WHERE approval_id = $1 ORDER BY created_at, id',
    [approvalId],
  );
  return rows.map(deliveryFromRow);
}
