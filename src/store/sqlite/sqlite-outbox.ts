/**
 * The outbox claim on SQLite (the other outbox statements are shared, see ../sql/outbox.ts).
 * Claims run inside the store's write lock (BEGIN IMMEDIATE behind the adapter's mutex), so
 * select-then-lease is atomic against every other writer of the file.
 */
import {
  assertClaimLimit,
  claimedFromRow,
  leaseUntil,
  newLeaseToken,
  type DeliveryRow,
} from '../outbox-rows.js';
import type { ClaimedDelivery, DeliveryClaimScope } from '../outbox-types.js';
import { marks, type SqlRunner } from '../sql/dialect.js';
import { claimConditions } from '../sql/outbox.js';

/** Call inside a write transaction. */
export async function claimSqliteDeliveries(
  db: SqlRunner,
  nowIso: string,
  limit: number,
  leaseMs: number,
  only?: DeliveryClaimScope,
): Promise<ClaimedDelivery[]> {
  assertClaimLimit(limit);
  const until = leaseUntil(nowIso, leaseMs);
  const claimable = claimConditions(nowIso, only);
  if (!claimable) return [];
  const ids = (
    await db.all<{ id: string }>(
      `SELECT id FROM deliveries WHERE ${claimable.where} ORDER BY next_attempt_at, id LIMIT ?`,
      [...claimable.args, limit],
    )
  ).map((r) => r.id);
  if (ids.length === 0) return [];
  const token = newLeaseToken();
  await db.run(
    `UPDATE deliveries SET lease_token = ?, lease_until = ?, updated_at = ? WHERE id IN (${marks(ids.length)})`,
    [token, until, nowIso, ...ids],
  );
  const rows = await db.all<DeliveryRow>(
    `SELECT * FROM deliveries WHERE id IN (${marks(ids.length)}) ORDER BY next_attempt_at, id`,
    ids,
  );
  return rows.map(claimedFromRow);
}
