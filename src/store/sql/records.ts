/** Notification records and the interaction replay guard, for both adapters. */
import { recordFromRow, type NotificationRecordRow } from '../record-rows.js';
import type { NotificationRecord } from '../record-types.js';
import type { SqlRunner } from './dialect.js';

export async function listRecords(
  db: SqlRunner,
  approvalId: string,
): Promise<NotificationRecord[]> {
  const rows = await db.all<NotificationRecordRow>(
    'SELECT * FROM notification_records WHERE approval_id = ? ORDER BY provider',
    [approvalId],
  );
  return rows.map(recordFromRow);
}

export async function saveRecord(db: SqlRunner, r: NotificationRecord): Promise<boolean> {
  const changed = await db.run(
    `INSERT INTO notification_records
       (approval_id, provider, record_key, channel, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (approval_id, provider) DO NOTHING`,
    [r.approvalId, r.provider, r.key, r.channel, r.createdAt, r.updatedAt],
  );
  return changed === 1;
}

export async function touchRecord(
  db: SqlRunner,
  approvalId: string,
  provider: string,
  atIso: string,
): Promise<void> {
  await db.run(
    'UPDATE notification_records SET updated_at = ? WHERE approval_id = ? AND provider = ?',
    [atIso, approvalId, provider],
  );
}

export async function rememberSignature(
  db: SqlRunner,
  signature: string,
  atIso: string,
  forgetBeforeIso: string,
): Promise<boolean> {
  await db.run('DELETE FROM interaction_replays WHERE seen_at < ?', [forgetBeforeIso]);
  const changed = await db.run(
    `INSERT INTO interaction_replays (signature, seen_at) VALUES (?, ?)
     ON CONFLICT (signature) DO NOTHING`,
    [signature, atIso],
  );
  return changed === 1;
}
