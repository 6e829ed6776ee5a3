/** Audit reads and checkpoint writes on SQLite: nodes for proofs, raw rows, checkpoints. */
import type Database from 'better-sqlite3';
import { nodeRange } from '../merkle-head.js';
import type { AuditRow, StoredCheckpoint, StoredCosignature } from '../port.js';
import {
  checkpointFromRow,
  cosignatureFromRow,
  type CheckpointRow,
  type CosignatureRow,
} from '../rows.js';

export function sqliteAuditReads(db: Database.Database) {
  return {
    async auditHead(): Promise<{ size: number; compactRange: string }> {
      const row = db.prepare('SELECT size, compact_range FROM audit_head WHERE id = 1').get() as {
        size: number;
        compact_range: string;
      };
      return { size: row.size, compactRange: row.compact_range };
    },
    async readAuditNodes(
      refs: readonly { level: number; index: number }[],
    ): Promise<(Uint8Array | undefined)[]> {
      if (refs.length === 0) return [];
      const found = new Map<string, Uint8Array>();
      // chunks keep the statement under SQLite's parameter limit
      for (let i = 0; i < refs.length; i += 400) {
        const chunk = refs.slice(i, i + 400);
        const rows = db
          .prepare(
            `SELECT level, idx, hash FROM audit_nodes WHERE (level, idx) IN (VALUES ${chunk
              .map(() => '(?, ?)')
              .join(', ')})`,
          )
          .all(...chunk.flatMap((r) => [r.level, r.index])) as {
          level: number;
          idx: number;
          hash: Buffer;
        }[];
        for (const r of rows) found.set(`${r.level}:${r.idx}`, new Uint8Array(r.hash));
      }
      return refs.map((r) => found.get(`${r.level}:${r.index}`));
    },
    async readAuditNodeRange(
      level: number,
      from: number,
      count: number,
    ): Promise<(Uint8Array | undefined)[]> {
      if (count <= 0) return [];
      const rows = db
        .prepare(
          'SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx',
        )
        .all(level, from, from + count) as { idx: number; hash: Buffer }[];
      return nodeRange(rows, from, count);
    },
    async readAuditRows(fromIndex: number, limit: number): Promise<AuditRow[]> {
      const rows = db
        .prepare('SELECT idx, event_json FROM audit_events WHERE idx >= ? ORDER BY idx LIMIT ?')
        .all(fromIndex, limit) as { idx: number; event_json: string }[];
      return rows.map((r) => ({ index: r.idx, eventJson: r.event_json }));
    },
    async listCheckpoints(): Promise<StoredCheckpoint[]> {
      return (
        db.prepare('SELECT * FROM audit_checkpoints ORDER BY size').all() as CheckpointRow[]
      ).map(checkpointFromRow);
    },
    async latestCheckpoint(): Promise<StoredCheckpoint | null> {
      const row = db.prepare('SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT 1').get() as
        CheckpointRow | undefined;
      return row ? checkpointFromRow(row) : null;
    },
    async insertCheckpoint(c: StoredCheckpoint): Promise<boolean> {
      const info = db
        .prepare(
          'INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING',
        )
        .run(c.size, c.rootHash, c.note, c.createdAt);
      return info.changes === 1;
    },
    async listCosignatures(size: number): Promise<StoredCosignature[]> {
      return (
        db
          .prepare('SELECT * FROM audit_cosignatures WHERE size = ? ORDER BY witness')
          .all(size) as CosignatureRow[]
      ).map(cosignatureFromRow);
    },
    async lastCosignedSize(witness: string): Promise<number | null> {
      const row = db
        .prepare('SELECT MAX(size) AS size FROM audit_cosignatures WHERE witness = ?')
        .get(witness) as { size: number | null } | undefined;
      return row?.size ?? null;
    },
    async insertCosignature(c: StoredCosignature): Promise<boolean> {
      const info = db
        .prepare(
          'INSERT INTO audit_cosignatures (size, witness, line, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size, witness) DO NOTHING',
        )
        .run(c.size, c.witness, c.line, c.createdAt);
      return info.changes === 1;
    },
  };
}
