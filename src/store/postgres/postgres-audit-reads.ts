/** Audit reads and checkpoint writes on PostgreSQL: nodes for proofs, raw rows, checkpoints. */
import { nodeRange } from '../merkle-head.js';
import type { AuditRow, StoredCheckpoint, StoredCosignature } from '../port.js';
import {
  checkpointFromRow,
  cosignatureFromRow,
  type CheckpointRow,
  type CosignatureRow,
} from '../rows.js';
import { SqlParams, type Queryable } from './postgres-sql.js';

export function postgresAuditReads(db: Queryable) {
  return {
    async auditHead(): Promise<{ size: number; compactRange: string }> {
      const { rows } = await db.query<{ size: number; compact_range: string }>(
        'SELECT size, compact_range FROM audit_head WHERE id = 1',
      );
      const row = rows[0];
      if (!row) throw new Error('audit_head row is missing');
      return { size: row.size, compactRange: row.compact_range };
    },
    async readAuditNodes(
      refs: readonly { level: number; index: number }[],
    ): Promise<(Uint8Array | undefined)[]> {
      if (refs.length === 0) return [];
      const found = new Map<string, Uint8Array>();
      for (let i = 0; i < refs.length; i += 1000) {
        const chunk = refs.slice(i, i + 1000);
        const p = new SqlParams();
        const values = chunk
          .map((r) => `(${p.add(r.level)}::int, ${p.add(r.index)}::bigint)`)
          .join(', ');
        const { rows } = await db.query<{ level: number; idx: number; hash: Buffer }>(
          `SELECT level, idx, hash FROM audit_nodes WHERE (level, idx) IN (VALUES ${values})`,
          p.values,
        );
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
      const { rows } = await db.query<{ idx: number; hash: Buffer }>(
        'SELECT idx, hash FROM audit_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx',
        [level, from, from + count],
      );
      return nodeRange(rows, from, count);
    },
    async readAuditRows(fromIndex: number, limit: number): Promise<AuditRow[]> {
      const { rows } = await db.query<{ idx: number; event_json: string }>(
        'SELECT idx, event_json FROM audit_events WHERE idx >= $1 ORDER BY idx LIMIT $2',
        [fromIndex, limit],
      );
      return rows.map((r) => ({ index: r.idx, eventJson: r.event_json }));
    },
    async listCheckpoints(): Promise<StoredCheckpoint[]> {
      const { rows } = await db.query<CheckpointRow>(
        'SELECT * FROM audit_checkpoints ORDER BY size',
      );
      return rows.map(checkpointFromRow);
    },
    async latestCheckpoint(): Promise<StoredCheckpoint | null> {
      const { rows } = await db.query<CheckpointRow>(
        'SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT 1',
      );
      return rows[0] ? checkpointFromRow(rows[0]) : null;
    },
    async insertCheckpoint(c: StoredCheckpoint): Promise<boolean> {
      const res = await db.query(
        'INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING',
        [c.size, c.rootHash, c.note, c.createdAt],
      );
      return res.rowCount === 1;
    },
    async listCosignatures(size: number): Promise<StoredCosignature[]> {
      const { rows } = await db.query<CosignatureRow>(
        'SELECT * FROM audit_cosignatures WHERE size = $1 ORDER BY witness',
        [size],
      );
      return rows.map(cosignatureFromRow);
    },
    async lastCosignedSize(witness: string): Promise<number | null> {
      const { rows } = await db.query<{ size: number | null }>(
        'SELECT MAX(size) AS size FROM audit_cosignatures WHERE witness = $1',
        [witness],
      );
      return rows[0]?.size ?? null;
    },
    async insertCosignature(c: StoredCosignature): Promise<boolean> {
      const res = await db.query(
        'INSERT INTO audit_cosignatures (size, witness, line, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size, witness) DO NOTHING',
        [c.size, c.witness, c.line, c.createdAt],
      );
      return res.rowCount === 1;
    },
  };
}
