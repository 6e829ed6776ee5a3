/** Integration of pending audit rows on SQLite (see ../audit-append.ts), on the writer connection. */
import type Database from 'better-sqlite3';
import { ServiceError } from '../../errors/index.js';
import {
  AUDIT_EVENT_COLUMNS,
  auditEventValues,
  integratePendingAudit,
  integrateSequenced,
  type AuditIntegrateIo,
} from '../audit-append.js';
import type { TransactionAudit } from './transaction-audit.js';

const BATCH = 1000;

function sqliteIntegrateIo(db: Database.Database): AuditIntegrateIo {
  const insertEvent = db.prepare(
    `INSERT INTO audit_events ${AUDIT_EVENT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertNode = db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
  const deletePending = db.prepare('DELETE FROM audit_pending WHERE seq = ?');
  const selectHead = db.prepare<[], { size: number; compact_range: string }>(
    'SELECT size, compact_range FROM audit_head WHERE id = 1',
  );
  const selectPending = db.prepare<[number], { seq: number; event_json: string }>(
    'SELECT seq, event_json FROM audit_pending ORDER BY seq LIMIT ?',
  );
  const updateHead = db.prepare('UPDATE audit_head SET size = ?, compact_range = ? WHERE id = 1');
  return {
    readHead: async () => {
      const row = selectHead.get() as { size: number; compact_range: string };
      return { size: row.size, compactRange: row.compact_range };
    },
    readPending: async (limit) =>
      selectPending.all(limit).map((r) => ({ seq: r.seq, eventJson: r.event_json })),
    // statements prepared once and run in the writer's open transaction: no round trips to save
    writeBatch: async ({ rows, nodes, size, compactRange, seqs }) => {
      for (const row of rows) insertEvent.run(...auditEventValues(row));
      for (const n of nodes) insertNode.run(n.level, n.index, Buffer.from(n.hash));
      updateHead.run(size, compactRange);
      for (const s of seqs) deletePending.run(s);
    },
  };
}

/**
 * Integrates, inside the writer's open transaction (the group commit runs it just before COMMIT,
 * so an acknowledged event is already in the tree), every row of `audit_pending` (left there by
 * another writer of the file), then the transaction's own events in the order they were
 * appended. Any failure is `audit_unavailable`: the whole batch then rolls back, state changes
 * with their events.
 */
export function sqliteAuditIntegrator(
  db: Database.Database,
  own: TransactionAudit,
): () => Promise<number> {
  let io: AuditIntegrateIo | undefined;
  return async () => {
    const events = own.take();
    try {
      io ??= sqliteIntegrateIo(db);
      let total = 0;
      for (;;) {
        const n = await integratePendingAudit(io, BATCH);
        total += n;
        if (n < BATCH) break;
      }
      await integrateSequenced(io, events, []);
      return total + events.length;
    } catch (err) {
      throw new ServiceError('audit_unavailable', 'the audit log could not be written', {
        cause: err,
      });
    }
  };
}
