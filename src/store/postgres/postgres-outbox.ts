/**
 * How a claim of the outbox leases its rows on PostgreSQL (the claim itself is shared, see
 * ../sql/outbox.ts): one statement that locks candidate rows with `FOR UPDATE SKIP LOCKED` and
 * leases them, so concurrent workers on any number of replicas never receive the same row: one
 * skips what another is claiming, and a leased row stays out of reach until its lease runs out.
 */
import type { DeliveryRow } from '../outbox-rows.js';
import type { LeaseRows } from '../sql/outbox.js';

export const leasePostgresDeliveries: LeaseRows = async (db, c) => {
  const rows = await db.all<DeliveryRow>(
    `UPDATE deliveries SET lease_token = ?, lease_until = ?, updated_at = ?
     WHERE id IN (
       SELECT id FROM deliveries WHERE ${c.where}
       ORDER BY next_attempt_at, id LIMIT ?
       FOR UPDATE SKIP LOCKED
     )
     RETURNING *`,
    [c.token, c.until, c.nowIso, ...c.args, c.limit],
  );
  // RETURNING has no order of its own
  return rows.sort((a, b) =>
    (a.next_attempt_at ?? '') === (b.next_attempt_at ?? '')
      ? a.id.localeCompare(b.id)
      : (a.next_attempt_at ?? '') < (b.next_attempt_at ?? '')
        ? -1
        : 1,
  );
};
