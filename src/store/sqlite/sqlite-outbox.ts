/**
 * How a claim of the outbox leases its rows on SQLite (the claim itself is shared, see
 * ../sql/outbox.ts). Claims run inside the store's write lock (BEGIN IMMEDIATE behind the
 * adapter's mutex), so select-then-lease is atomic against every other writer of the file.
 */
import type { DeliveryRow } from '../outbox-rows.js';
import { marks } from '../sql/dialect.js';
import type { LeaseRows } from '../sql/outbox.js';

/** Call inside a write transaction. */
export const leaseSqliteDeliveries: LeaseRows = async (db, c) => {
  const ids = (
    await db.all<{ id: string }>(
      `SELECT id FROM deliveries WHERE ${c.where} ORDER BY next_attempt_at, id LIMIT ?`,
      [...c.args, c.limit],
    )
  ).map((r) => r.id);
  if (ids.length === 0) return [];
  await db.run(
    `UPDATE deliveries SET lease_token = ?, lease_until = ?, updated_at = ? WHERE id IN (${marks(ids.length)})`,
    [c.token, c.until, c.nowIso, ...ids],
  );
  return db.all<DeliveryRow>(
    `SELECT * FROM deliveries WHERE id IN (${marks(ids.length)}) ORDER BY next_attempt_at, id`,
    ids,
  );
};
