/**
 * The audit log's integration IO on PostgreSQL, run by the one replica holding the integrator's
 * advisory lock (see postgres-integrator.ts). Appending to the pending sequence (no shared lock)
 * and the listing are shared with SQLite (../sql/audit-list.ts).
 */
import {
  AUDIT_EVENT_COLUMNS,
  auditEventValues,
  type AuditIntegrateIo,
  type IntegratedAuditRow,
} from '../audit-append.js';
import type { StoredNode } from '../merkle-head.js';
import { SqlParams, type Queryable } from './postgres-sql.js';

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
