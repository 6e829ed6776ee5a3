/**
 * The outbox on SQLite. Claims run inside the store's write lock (BEGIN IMMEDIATE behind the
 * adapter's mutex), so select-then-lease is atomic against every other writer of the file.
 */
import type Database from 'better-sqlite3';
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

export function enqueueSqliteDeliveries(
  db: Database.Database,
  rows: readonly NewDelivery[],
): number {
  const stmt = db.prepare(
    `INSERT INTO deliveries (${DELIVERY_INSERT_SQL_COLUMNS})
     VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, '[]', ?, ?)
     ON CONFLICT (provider, message_id) DO NOTHING`,
  );
  let inserted = 0;
  for (const r of rows) {
    inserted += stmt.run(
      r.id,
      r.approvalId,
      r.provider,
      r.event,
      r.messageId,
      r.payload,
      r.nextAttemptAt,
      r.createdAt,
      r.createdAt,
    ).changes;
  }
  return inserted;
}

export function recordSqliteDeliveryAttempt(
  db: Database.Database,
  u: DeliveryAttemptUpdate,
): boolean {
  const res = db
    .prepare(
      `UPDATE deliveries SET status = ?, attempts = ?, timings = ?, next_attempt_at = ?,
         last_error = ?, response_status = ?, target = ?, updated_at = ?,
         lease_token = NULL, lease_until = NULL
       WHERE id = ? AND lease_token = ?`,
    )
    .run(
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
    );
  return res.changes === 1;
}

/** Call inside a write transaction. */
export function claimSqliteDeliveries(
  db: Database.Database,
  nowIso: string,
  limit: number,
  leaseMs: number,
  only?: DeliveryClaimScope,
): ClaimedDelivery[] {
  assertClaimLimit(limit);
  const until = leaseUntil(nowIso, leaseMs);
  const where = ['(lease_until IS NULL OR lease_until <= ?)'];
  const args: (string | number)[] = [nowIso];
  if (only) {
    where.push("approval_id = ? AND status IN ('pending', 'failed', 'dead')");
    args.push(only.approvalId);
    if (only.providers) {
      if (only.providers.length === 0) return [];
      where.push(`provider IN (${only.providers.map(() => '?').join(', ')})`);
      args.push(...only.providers);
    }
  } else {
    where.push("status IN ('pending', 'failed') AND next_attempt_at <= ?");
    args.push(nowIso);
  }
  const ids = (
    db
      .prepare(
        `SELECT id FROM deliveries WHERE ${where.join(' AND ')}
         ORDER BY next_attempt_at, id LIMIT ?`,
      )
      .all(...args, limit) as { id: string }[]
  ).map((r) => r.id);
  if (ids.length === 0) return [];
  const token = newLeaseToken();
  const marks = ids.map(() => '?').join(', ');
  db.prepare(
    `UPDATE deliveries SET lease_token = ?, lease_until = ?, updated_at = ? WHERE id IN (${marks})`,
  ).run(token, until, nowIso, ...ids);
  const rows = db
    .prepare(`SELECT * FROM deliveries WHERE id IN (${marks}) ORDER BY next_attempt_at, id`)
    .all(...ids) as DeliveryRow[];
  return rows.map(claimedFromRow);
}

export function listSqliteDeliveries(db: Database.Database, approvalId: string): DeliveryRecord[] {
  const rows = db
    .prepare('SELECT * FROM deliveries WHERE approval_id = ? ORDER BY created_at, id')
    .all(approvalId) as DeliveryRow[];
  return rows.map(deliveryFromRow);
}
