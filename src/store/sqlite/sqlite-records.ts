/** Notification records and the interaction replay guard on SQLite. */
import type Database from 'better-sqlite3';
import { recordFromRow, type NotificationRecordRow } from '../record-rows.js';
import type { NotificationRecord } from '../record-types.js';

export function listSqliteRecords(db: Database.Database, approvalId: string): NotificationRecord[] {
  const rows = db
    .prepare('SELECT * FROM notification_records WHERE approval_id = ? ORDER BY provider')
    .all(approvalId) as NotificationRecordRow[];
  return rows.map(recordFromRow);
}

export function saveSqliteRecord(db: Database.Database, r: NotificationRecord): boolean {
  return (
    db
      .prepare(
        `INSERT INTO notification_records
           (approval_id, provider, record_key, channel, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (approval_id, provider) DO NOTHING`,
      )
      .run(r.approvalId, r.provider, r.key, r.channel, r.createdAt, r.updatedAt).changes === 1
  );
}

export function touchSqliteRecord(
  db: Database.Database,
  approvalId: string,
  provider: string,
  atIso: string,
): void {
  db.prepare(
    'UPDATE notification_records SET updated_at = ? WHERE approval_id = ? AND provider = ?',
  ).run(atIso, approvalId, provider);
}

export function rememberSqliteSignature(
  db: Database.Database,
  signature: string,
  atIso: string,
  forgetBeforeIso: string,
): boolean {
  db.prepare('DELETE FROM interaction_replays WHERE seen_at < ?').run(forgetBeforeIso);
  return (
    db
      .prepare(
        `INSERT INTO interaction_replays (signature, seen_at) VALUES (?, ?)
         ON CONFLICT (signature) DO NOTHING`,
      )
      .run(signature, atIso).changes === 1
  );
}
