/** The filtered audit listing and the lone appends to the pending sequence, for both adapters. */
import type { AuditEvent } from '../../domain/audit-event.js';
import { decodeAuditCursor, encodeCursor } from '../../lib/cursor.js';
import type { AuditFilter, Page, PageRequest, StoredAuditEvent } from '../port.js';
import { likeEscape, pageOf, whereClause, type SqlDialect, type SqlRunner } from './dialect.js';

const EQUALITY_FILTERS: readonly [keyof AuditFilter, string][] = [
  ['approvalId', 'approval_id'],
  ['actor', 'actor_id'],
  ['environment', 'environment'],
  ['project', 'project'],
  ['type', 'type'],
];

export async function listAuditEvents(
  db: SqlRunner,
  dialect: SqlDialect,
  filter: AuditFilter,
  page: PageRequest,
): Promise<Page<StoredAuditEvent>> {
  const where: string[] = [];
  const args: unknown[] = [];
  for (const [key, col] of EQUALITY_FILTERS) {
    const v = filter[key];
    if (v !== undefined) {
      where.push(`${col} = ?`);
      args.push(v);
    }
  }
  // ISO-8601 UTC strings compare correctly byte by byte
  if (filter.since) {
    where.push(`${dialect.bytes('at')} >= ?`);
    args.push(filter.since);
  }
  if (filter.until) {
    where.push(`${dialect.bytes('at')} < ?`);
    args.push(filter.until);
  }
  if (filter.q) {
    where.push("lower(event_json) LIKE ? ESCAPE '\\'");
    args.push(`%${likeEscape(filter.q.toLowerCase())}%`);
  }
  const desc = page.order === 'desc';
  if (page.cursor) {
    where.push(desc ? 'idx < ?' : 'idx > ?');
    args.push(decodeAuditCursor(page.cursor));
  }
  const rows = await db.all<{ idx: number; event_json: string }>(
    `SELECT idx, event_json FROM audit_events ${whereClause(where)}
     ORDER BY idx ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
    [...args, page.limit + 1],
  );
  return pageOf(
    rows,
    page.limit,
    (r) => ({ index: r.idx, event: JSON.parse(r.event_json) as AuditEvent }),
    (last) => encodeCursor([last.idx]),
  );
}
