/** Audit reads and checkpoint writes, for both adapters: nodes for proofs, raw rows, checkpoints. */
import { nodeRange } from '../merkle-head.js';
import type { AuditRow, StoredCheckpoint, StoredCosignature } from '../port.js';
import {
  checkpointFromRow,
  cosignatureFromRow,
  type CheckpointRow,
  type CosignatureRow,
} from '../rows.js';
import type { SqlDialect, SqlRunner } from './dialect.js';

async function readHead(db: SqlRunner): Promise<{ size: number; compact_range: string }> {
  const row = await db.get<{ size: number; compact_range: string }>(
    'SELECT size, compact_range FROM audit_head WHERE id = 1',
  );
  if (!row) throw new Error('audit_head row is missing');
  return row;
}

export function auditReads(db: SqlRunner, dialect: SqlDialect) {
  return {
    async auditHead(): Promise<{ size: number; compactRange: string }> {
      const row = await readHead(db);
      return { size: row.size, compactRange: row.compact_range };
    },
    async auditSize(): Promise<number> {
      return (await readHead(db)).size;
    },
    async readAuditNodes(
      refs: readonly { level: number; index: number }[],
    ): Promise<(Uint8Array | undefined)[]> {
      if (refs.length === 0) return [];
      const found = new Map<string, Uint8Array>();
      const pair = `(${dialect.typed('int')}, ${dialect.typed('bigint')})`;
      // chunks keep the statement under the parameter limit
      for (let i = 0; i < refs.length; i += dialect.maxNodeRefs) {
        const chunk = refs.slice(i, i + dialect.maxNodeRefs);
        const rows = await db.all<{ level: number; idx: number; hash: Buffer }>(
          `SELECT level, idx, hash FROM audit_nodes WHERE (level, idx) IN (VALUES ${chunk
            .map(() => pair)
            .join(', ')})`,
          chunk.flatMap((r) => [r.level, r.index]),
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
      const rows = await db.all<{ idx: number; hash: Buffer }>(
        'SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx',
        [level, from, from + count],
      );
      return nodeRange(rows, from, count);
    },
    async readAuditRows(fromIndex: number, limit: number): Promise<AuditRow[]> {
      const rows = await db.all<{ idx: number; event_json: string }>(
        'SELECT idx, event_json FROM audit_events WHERE idx >= ? ORDER BY idx LIMIT ?',
        [fromIndex, limit],
      );
      return rows.map((r) => ({ index: r.idx, eventJson: r.event_json }));
    },
    async listCheckpoints(): Promise<StoredCheckpoint[]> {
      const rows = await db.all<CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY size');
      return rows.map(checkpointFromRow);
    },
    async latestCheckpoint(): Promise<StoredCheckpoint | null> {
      const row = await db.get<CheckpointRow>(
        'SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT 1',
      );
      return row ? checkpointFromRow(row) : null;
    },
    async insertCheckpoint(c: StoredCheckpoint): Promise<boolean> {
      const changed = await db.run(
        'INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING',
        [c.size, c.rootHash, c.note, c.createdAt],
      );
      return changed === 1;
    },
    async listCosignatures(size: number): Promise<StoredCosignature[]> {
      const rows = await db.all<CosignatureRow>(
        'SELECT * FROM audit_cosignatures WHERE size = ? ORDER BY witness',
        [size],
      );
      return rows.map(cosignatureFromRow);
    },
    async lastCosignedSize(witness: string): Promise<number | null> {
      const row = await db.get<{ size: number | null }>(
        'SELECT MAX(size) AS size FROM audit_cosignatures WHERE witness = ?',
        [witness],
      );
      return row?.size ?? null;
    },
    async insertCosignature(c: StoredCosignature): Promise<boolean> {
      const changed = await db.run(
        'INSERT INTO audit_cosignatures (size, witness, line, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size, witness) DO NOTHING',
        [c.size, c.witness, c.line, c.createdAt],
      );
      return changed === 1;
    },
  };
}

export type AuditReads = ReturnType<typeof auditReads>;
