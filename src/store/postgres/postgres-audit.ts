/**
 * The audit log on PostgreSQL: appending to the pending sequence (no shared lock), the
 * integration IO (run by the one replica holding the integrator's advisory lock, see
 * postgres-integrator.ts) and the filtered listing.
 */
import type { AuditEvent } from '../../domain/audit-event.js';
import { decodeAuditCursor, encodeCursor } from '../../lib/cursor.js';
import {
  AUDIT_EVENT_COLUMNS,
  auditEventValues,
  type AuditIntegrateIo,
  type AuditSequenceIo,
  type IntegratedAuditRow,
} from '../audit-append.js';
import type { StoredNode } from '../merkle-head.js';
import type { AuditFilter, Page, PageRequest, StoredAuditEvent } from '../port.js';
import { likeEscape, SqlParams, whereClause, type Queryable } from './postgres-sql.js';

export function postgresSequenceIo(db: Queryable): AuditSequenceIo {
  return {
    insertPending: async (eventJson, appendedAt) => {
      await db.query('INSERT INTO audit_pending (event_json, appended_at) VALUES ($1, $2)', [
        eventJson,
        appendedAt,
      ]);
    },
  };
}

/** The integration IO, for the transaction that holds the integrator's advisory lock. */
export function postgresIntegrateIo(db: Queryable): AuditIntegrateIo {
  return {
    readHead: async () => {
      // FOR UPDATE as well as the advisory lock: a head is never written by two transactions
      const res = await db.query<{ size: number; compact_range: string }>(
        'SELECT size, compact_range FROM audit_head WHERE id = 1 FOR UPDATE',
      );
      const row = res.rows[0];
      if (!row) throw new Error('audit_head row is missing');
      return { size: row.size, compactRange: row.compact_range };
    },
    readPending: async (limit) => {
      // only committed rows are visible; one committing later is taken by a later batch
      const res = await db.query<{ seq: number; event_json: string }>(
        'SELECT seq, event_json FROM audit_pending ORDER BY seq LIMIT $1',
        [limit],
      );
      return res.rows.map((r) => ({ seq: r.seq, eventJson: r.event_json }));
    },
    writeEvents: async (rows) => {
      if (rows.length === 0) return;
      const p = new SqlParams();
      await db.query(
        `INSERT INTO audit_events ${AUDIT_EVENT_COLUMNS} VALUES ${eventValues(p, rows)}`,
        p.values,
      );
    },
    writeNodes: async (nodes) => {
      if (nodes.length === 0) return;
      const p = new SqlParams();
      await db.query(
        `INSERT INTO audit_nodes (level, idx, hash) VALUES ${nodeValues(p, nodes)}`,
        p.values,
      );
    },
    writeHead: async (size, compactRange) => {
      await db.query('UPDATE audit_head SET size = $1, compact_range = $2 WHERE id = 1', [
        size,
        compactRange,
      ]);
    },
    deletePending: async (seqs) => {
      await db.query('DELETE FROM audit_pending WHERE seq = ANY($1::bigint[])', [seqs]);
    },
    // one statement: each data-modifying CTE runs exactly once, all in this transaction
    writeBatch: async ({ rows, nodes, size, compactRange, seqs }) => {
      const p = new SqlParams();
      const parts = [
        `ev AS (INSERT INTO audit_events ${AUDIT_EVENT_COLUMNS} VALUES ${eventValues(p, rows)})`,
        ...(nodes.length
          ? [`nd AS (INSERT INTO audit_nodes (level, idx, hash) VALUES ${nodeValues(p, nodes)})`]
          : []),
        `hd AS (UPDATE audit_head SET size = ${p.add(size)}, compact_range = ${p.add(compactRange)} WHERE id = 1)`,
      ];
      await db.query(
        `WITH ${parts.join(', ')} DELETE FROM audit_pending WHERE seq = ANY(${p.add(seqs)}::bigint[])`,
        p.values,
      );
    },
  };
}

function eventValues(p: SqlParams, rows: readonly IntegratedAuditRow[]): string {
  return rows
    .map((row) =>
      auditEventValues(row)
        .map((v) => p.add(v))
        .join(', '),
    )
    .map((v) => `(${v})`)
    .join(', ');
}

function nodeValues(p: SqlParams, nodes: readonly StoredNode[]): string {
  return nodes
    .map((n) => `(${p.add(n.level)}, ${p.add(n.index)}, ${p.add(Buffer.from(n.hash))})`)
    .join(', ');
}

const EQUALITY_FILTERS: readonly [keyof AuditFilter, string][] = [
  ['approvalId', 'approval_id'],
  ['actor', 'actor_id'],
  ['environment', 'environment'],
  ['project', 'project'],
  ['type', 'type'],
];

export async function listAuditEvents(
  db: Queryable,
  filter: AuditFilter,
  page: PageRequest,
): Promise<Page<StoredAuditEvent>> {
  const p = new SqlParams();
  const where: string[] = [];
  for (const [key, col] of EQUALITY_FILTERS) {
    const v = filter[key];
    if (v !== undefined) where.push(`${col} = ${p.add(v)}`);
  }
  // ISO-8601 UTC strings compare correctly byte by byte; "C" keeps locale rules out of it
  if (filter.since) where.push(`at COLLATE "C" >= ${p.add(filter.since)}`);
  if (filter.until) where.push(`at COLLATE "C" < ${p.add(filter.until)}`);
  if (filter.q) {
    where.push(
      `lower(event_json) LIKE ${p.add(`%${likeEscape(filter.q.toLowerCase())}%`)} ESCAPE '\\'`,
    );
  }
  const desc = page.order === 'desc';
  if (page.cursor) {
    where.push(`idx ${desc ? '<' : '>'} ${p.add(decodeAuditCursor(page.cursor))}`);
  }
  const sql = `SELECT idx, event_json FROM audit_events ${whereClause(where)}
    ORDER BY idx ${desc ? 'DESC' : 'ASC'} LIMIT ${p.add(page.limit + 1)}`;
  const { rows } = await db.query<{ idx: number; event_json: string }>(sql, p.values);
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((r) => ({ index: r.idx, event: JSON.parse(r.event_json) as AuditEvent })),
    nextCursor: more && last ? encodeCursor([last.idx]) : null,
  };
}

export async function auditSize(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ size: number }>('SELECT size FROM audit_head WHERE id = 1');
  const row = rows[0];
  if (!row) throw new Error('audit_head row is missing');
  return row.size;
}
