/** Notification records and the interaction replay guard on PostgreSQL. */
import { recordFromRow, type NotificationRecordRow } from '../record-rows.js';
import type { NotificationRecord } from '../record-types.js';
import type { Queryable } from './postgres-sql.js';

export async function listPostgresRecords(
  db: Queryable,
  approvalId: string,
): Promise<NotificationRecord[]> {
  const { rows } = await db.query<NotificationRecordRow>(
    'SELECT * FROM notification_records WHERE approval_id = $1 ORDER BY provider',
    [approvalId],
  );
  return rows.map(recordFromRow);
}

export async function savePostgresRecord(db: Queryable, r: NotificationRecord): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO notification_records
       (approval_id, provider, record_key, channel, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (approval_id, provider) DO NOTHING`,
    [r.approvalId, r.provider, r.key, r.channel, r.createdAt, r.updatedAt],
  );
  return res.rowCount === 1;
}

export async function touchPostgresRecord(
  db: Queryable,
  approvalId: string,
  provider: string,
  atIso: string,
): Promise<void> {
  await db.query(
    'UPDATE notification_records SET updated_at = $1 WHERE approval_id = $2 AND provider = $3',
    [atIso, approvalId, provider],
  );
}

export async function rememberPostgresSignature(
  db: Queryable,
  signature: string,
  atIso: string,
  forgetBeforeIso: string,
): Promise<boolean> {
  await db.query('DELETE FROM interaction_replays WHERE seen_at < $1', [forgetBeforeIso]);
  const res = await db.query(
    `INSERT INTO interaction_replays (signature, seen_at) VALUES ($1, $2)
     ON CONFLICT (signature) DO NOTHING`,
    [signature, atIso],
  );
  return res.rowCount === 1;
}
