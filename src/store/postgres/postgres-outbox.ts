/**
 * The outbox claim on PostgreSQL (the other outbox statements are shared, see ../sql/outbox.ts).
 * A claim is one statement that locks candidate rows with `FOR UPDATE SKIP LOCKED` and leases
 * them, so concurrent workers on any number of replicas never receive the same row: one skips
 * what another is claiming, and a leased row stays out of reach until its lease runs out.
 */
import {
  assertClaimLimit,
  claimedFromRow,
  leaseUntil,
  newLeaseToken,
  type DeliveryRow,
} from '../outbox-rows.js';
import type { ClaimedDelivery, DeliveryClaimScope } from '../outbox-types.js';
import type { SqlRunner } from '../sql/dialect.js';
import { claimConditions } from '../sql/outbox.js';

export async function claimPostgresDeliveries(
  db: SqlRunner,
  nowIso: string,
  limit: number,
  leaseMs: number,
  only?: DeliveryClaimScope,
): Promise<ClaimedDelivery[]> {
  assertClaimLimit(limit);
  const claimable = claimConditions(nowIso, only);
  if (!claimable) return [];
  const rows = await db.all<DeliveryRow>(
    `UPDATE deliveries SET lease_token = ?, lease_until = ?, updated_at = ?
     WHERE id IN (
       SELECT id FROM deliveries WHERE ${claimable.where}
       ORDER BY next_attempt_at, id LIMIT ?
       FOR UPDATE SKIP LOCKED
     )
     RETURNING *`,
    [newLeaseToken(), leaseUntil(nowIso, leaseMs), nowIso, ...claimable.args, limit],
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
