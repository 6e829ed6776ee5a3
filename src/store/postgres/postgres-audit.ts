/**
 * The audit log's statements of its own on PostgreSQL: the integration IO, run by the one replica
 * holding the integrator's advisory lock (see postgres-integrator.ts), and the lone appends of
 * gate answers to the pending sequence (no shared lock). A transaction's own events go with its
 * tail (transaction-tail.ts); the listing is shared with SQLite (../sql/audit-list.ts).
 */
import {
  AUDIT_EVENT_COLUMNS,
  type AuditIntegrateIo,
  type IntegratedAuditRow,
} from '../audit-append.js';
import type { Queryable } from './postgres-sql.js';

/** The integration IO, for the transaction that holds the integrator's advisory lock. */
export function postgresIntegrateIo(db: Queryable): AuditIntegrateIo {
  return {
    readHead: async () => {
      // FOR UPDATE as well as the advisory lock: a head is never written by two transactions
      const res = await db.query<{ size: number; compact_range: string }>({
        name: 'countersign_audit_head_for_update',
        text: 'SELECT size, compact_range FROM audit_head WHERE id = 1 FOR UPDATE',
      });
      const row = res.rows[0];
      if (!row) throw new Error('audit_head row is missing');
      return { size: row.size, compactRange: row.compact_range };
    },
    readPending: async (limit) => {
      // only committed rows are visible; one committing later is taken by a later batch
      const res = await db.query<{ seq: number; event_json: string }>({
        name: 'countersign_audit_pending_read',
        text: 'SELECT seq, event_json FROM audit_pending ORDER BY seq LIMIT $1',
        values: [limit],
      });
      return res.rows.map((r) => ({ seq: r.seq, eventJson: r.event_json }));
    },
    // one statement: each data-modifying CTE runs exactly once, all in this transaction
    writeBatch: async ({ rows, nodes, size, compactRange, seqs }) => {
      // every row comes from the pending row of the same position (integratePendingAudit)
      if (seqs.length !== rows.length) {
        throw new Error('an integration batch on PostgreSQL takes its events from audit_pending');
      }
      const res = await db.query<{ inserted: number; deleted: number }>({
        name: 'countersign_audit_integrate',
        text: INTEGRATE_BATCH,
        values: [
          seqs,
          rows.map((r) => r.index),
          ...EVENT_COLUMNS.map((c) => rows.map((r) => r.columns[c])),
          nodes.map((n) => n.level),
          nodes.map((n) => n.index),
          nodes.map((n) => n.hash),
          size,
          compactRange,
        ],
      });
      const counts = res.rows[0];
      if (counts?.inserted !== rows.length || counts.deleted !== rows.length) {
        throw new Error(
          `integration batch wrote ${counts?.inserted} and removed ${counts?.deleted} of ${rows.length} pending events`,
        );
      }
    },
  };
}

/** The filter columns of `audit_events` beside its index and text, in table order. */
const EVENT_COLUMNS = [
  'eventId',
  'type',
  'at',
  'actorId',
  'environment',
  'project',
  'approvalId',
] as const satisfies readonly (keyof IntegratedAuditRow['columns'])[];

/**
 * An integration batch in one statement of fixed text, prepared once per connection rather than
 * parsed and planned for every batch (planning a VALUES list of thousands of parameters was about
 * a tenth of the database's CPU per gate check). The rows go as one array per column (unnest),
 * and each event's text is copied from its own pending row in the database: the replica hashed
 * exactly that text (it read it in this transaction, and only the integrator's lock holder
 * removes pending rows), and never sends it back. The counts let the caller check that every
 * pending row was moved (the transaction fails otherwise).
 */
const INTEGRATE_BATCH = `WITH ev AS (
    INSERT INTO audit_events ${AUDIT_EVENT_COLUMNS}
    SELECT u.idx, u.event_id, u.type, u.at, u.actor_id, u.environment, u.project, u.approval_id,
      p.event_json
    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
      $7::text[], $8::text[], $9::text[])
      AS u(seq, idx, event_id, type, at, actor_id, environment, project, approval_id)
    JOIN audit_pending p ON p.seq = u.seq
    RETURNING 1),
  nd AS (INSERT INTO audit_nodes (level, idx, hash)
    SELECT n.level, n.idx, n.hash FROM unnest($10::integer[], $11::bigint[], $12::bytea[])
      AS n(level, idx, hash)),
  hd AS (UPDATE audit_head SET size = $13, compact_range = $14 WHERE id = 1),
  del AS (DELETE FROM audit_pending WHERE seq = ANY($1::bigint[]) RETURNING 1)
SELECT (SELECT count(*) FROM ev)::int AS inserted, (SELECT count(*) FROM del)::int AS deleted`;

/**
 * Lone audit appends (gate answers) in one statement of fixed text, prepared once per connection
 * whatever the number of rows. The texts go as one JSON array (JSON.stringify is native; a text
 * array would be escaped value by value in JavaScript), inserted in the order given.
 */
export async function insertPendingPostgres(
  db: Queryable,
  rows: readonly { eventJson: string; appendedAt: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query({
    name: 'countersign_audit_pending_append',
    text: `INSERT INTO audit_pending (event_json, appended_at)
      SELECT e.value, t.value
      FROM json_array_elements_text($1::json) WITH ORDINALITY AS e(value, n)
      JOIN json_array_elements_text($2::json) WITH ORDINALITY AS t(value, n) USING (n)
      ORDER BY n`,
    values: [
      JSON.stringify(rows.map((r) => r.eventJson)),
      JSON.stringify(rows.map((r) => r.appendedAt)),
    ],
  });
}
