/** Row mapping of notification records, shared by both SQL adapters. */
import type { NotificationRecord } from './record-types.js';

export interface NotificationRecordRow {
  approval_id: string;
  provider: string;
  record_key: string;
  channel: string | null;
  created_at: string;
  updated_at: string;
}

export function recordFromRow(row: NotificationRecordRow): NotificationRecord {
  return {
    approvalId: row.approval_id,
    provider: row.provider,
    key: row.record_key,
    channel: row.channel,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
